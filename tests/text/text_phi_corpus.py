"""A varied synthetic PHI test corpus: reports with planted identifiers and the ledger of values.

Written independently of the de-identifier (templates and value pools chosen by hand), so recall
and precision measured on it are meaningful.
"""

from __future__ import annotations

import numpy as np

FIRST = ["Anna", "Brent", "Chidi", "Dolores", "Eamon", "Farah", "Gustav", "Hye-jin", "Ines", "Jamal", "Kristin",
         "Leopold", "Mateo", "Nkechi", "Oksana", "Pradeep", "Quentin", "Rosalind", "Sven", "Tamsin"]
LAST = ["Abernathy", "Blackwood", "Castellano", "Dubrovsky", "Eriksen", "Fairweather", "Gallagher", "Hollis",
        "Ibekwe", "Jablonski", "Kowalczyk", "Lindgren", "McAllister", "Nakashima", "O'Rourke", "Pemberton",
        "Quaranta", "Rasmussen", "Szabo", "Thorne"]
INSTITUTIONS = ["Harborview Regional Hospital", "St. Agnes Medical Center", "University of Westfield",
                "Pinecrest Imaging Center", "Elmwood Children's Hospital", "Bayshore Cancer Center"]
STREETS = ["1432 Willow Brook Road", "77 Grant Avenue", "9 Harbor View Lane, Apt 4", "250 Elm Street"]
CLINICAL = [
    "A 1.5 cm nodule in the right upper lobe.",
    "The lesion measures 3.2 x 2.1 mm.",
    "Compression deformity of the T10 vertebra and C7 spinous process.",
    "Axial images were obtained at 5 mm slices.",
    "Small bilateral pleural effusions.",
    "Mild cardiomegaly without pulmonary edema.",
    "Left PICC terminates in the lower SVC.",
    "Degenerative changes of the L4-L5 disc space.",
    "Heart size is top normal.",
    "The patient is a 67-year-old woman.",
    "Stable 8 mm ground-glass nodule, series 3 image 45.",
    "Dose length product 350 mGy-cm, CTDIvol 8.2 mGy.",
]


def _date(rng: np.random.Generator) -> str:
    y, m, d = int(rng.integers(1995, 2025)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
    forms = [f"{m:02d}/{d:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{months[m - 1]} {d}, {y}", f"{d} {months[m - 1][:3]} {y}",
             f"{m}/{d}/{y % 100:02d}", f"{d:02d}-{months[m - 1][:3]}-{y}", f"{y}{m:02d}{d:02d}"]
    return forms[int(rng.integers(len(forms)))]


def _person(rng: np.random.Generator) -> tuple[str, str]:
    return str(rng.choice(FIRST)), str(rng.choice(LAST))


def make_report(rng: np.random.Generator) -> tuple[str, list[tuple[str, str]]]:
    """One report and its (kind, value) ledger."""
    ledger: list[tuple[str, str]] = []

    def plant(kind: str, value: str) -> str:
        ledger.append((kind, value))
        return value

    first, last = _person(rng)
    rf, rl = _person(rng)
    df, dl = _person(rng)
    mrn = str(int(rng.integers(10**6, 10**9)))
    acc = f"{rng.choice(['ACC', 'RX', 'A'])}{int(rng.integers(10**5, 10**8))}"
    email = f"{dl.lower()}@{rl.lower()}clinic.org".replace("'", "")
    phone = f"({int(rng.integers(201, 990))}) {int(rng.integers(200, 999))}-{int(rng.integers(0, 10000)):04d}"
    header = [
        rng.choice([f"Patient: {plant('NAME', f'{first} {last}')}",
                    f"Patient Name: {plant('NAME', f'{last.upper()}, {first.upper()}')}",
                    f"Name: {plant('NAME', f'{last}^{first}')}"]),
        rng.choice([f"MRN: {plant('ID', mrn)}", f"Medical record number {plant('ID', mrn)}",
                    f"MRN#{plant('ID', mrn)}"]),
        rng.choice([f"Accession No. {plant('ID', acc)}", f"Accession: {plant('ID', acc)}",
                    f"Acc#: {plant('ID', acc)}"]),
        rng.choice([f"DOB: {plant('DATE', _date(rng))}", f"Date of birth: {plant('DATE', _date(rng))}"]),
        f"Institution: {plant('INSTITUTION', str(rng.choice(INSTITUTIONS)))}",
    ]
    age = int(rng.integers(90, 104))
    body = [
        f"INDICATION: {plant('AGE', str(age))}-year-old with cough.",
        f"COMPARISON: Chest radiograph from {plant('DATE', _date(rng))}.",
        "FINDINGS: " + " ".join(rng.choice(CLINICAL, size=4, replace=False)),
        f"IMPRESSION: {rng.choice(CLINICAL)}",
    ]
    footer = [
        rng.choice([f"Findings discussed with Dr. {plant('NAME', f'{rf} {rl}')} at {plant('TIME', '14:35')}.",
                    f"Results were called to {plant('NAME', f'{rf} {rl}')} on {plant('DATE', _date(rng))}.",
                    f"Discussed with Mrs. {plant('NAME', rl)} by phone at {plant('PHONE', phone)}."]),
        rng.choice([f"Electronically signed by: {plant('NAME', f'{df} {dl}')}, MD",
                    f"Dictated by {plant('NAME', f'{dl}, {df}')}",
                    f"Radiologist: Dr. {plant('NAME', f'{df[0]}. {dl}')}"]),
        rng.choice([f"Contact: {plant('PHONE', phone)}", f"Pager {plant('PHONE', str(int(rng.integers(1000, 99999))))}",
                    f"Patient address: {plant('ADDRESS', str(rng.choice(STREETS)))}, Springfield, IL 62704",
                    f"Reply to {plant('EMAIL', email)}"]),
    ]
    return "\n".join(header + body + footer), ledger


def corpus(n: int, seed: int) -> list[tuple[str, list[tuple[str, str]]]]:
    rng = np.random.default_rng(seed)
    return [make_report(rng) for _ in range(n)]
