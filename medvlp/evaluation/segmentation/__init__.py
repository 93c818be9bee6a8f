"""Segmentation probe: UperNet / U-Net decoders on an encoder's feature pyramid, Dice and IoU."""
