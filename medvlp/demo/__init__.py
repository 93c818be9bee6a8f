"""The main job: the end-to-end demo pipeline (synth -> ingest -> pretrain -> benchmark -> report)."""
