"""DICOM PS3.15 Annex E, Table E.1-1: Basic Application Level Confidentiality Profile (action column).

Action codes of the standard: D = replace with a dummy value, Z = empty (or dummy), X = remove,
U = replace UID consistently, K = keep. Where the standard allows a choice (X/Z, X/D, Z/D...) the
strictest practical one is used. PatientID and AccessionNumber get a keyed pseudonym (a consistent
"D") so studies stay linkable inside one project without exposing the original identifier.
"""

from __future__ import annotations

from enum import Enum


class Action(Enum):
    REMOVE = "X"
    EMPTY = "Z"
    DUMMY = "D"
    UID = "U"
    PSEUDONYM = "P"  # consistent keyed dummy (the standard's D, made reproducible)


_X = Action.REMOVE
_Z = Action.EMPTY
_D = Action.DUMMY
_U = Action.UID
_P = Action.PSEUDONYM

BASIC_PROFILE: dict[str, Action] = {
    # patient
    "PatientName": _Z, "PatientID": _P, "PatientBirthDate": _Z, "PatientBirthTime": _X,
    "PatientSex": _Z, "OtherPatientIDs": _X, "OtherPatientIDsSequence": _X, "OtherPatientNames": _X,
    "PatientBirthName": _X, "PatientMotherBirthName": _X, "PatientAddress": _X,
    "PatientTelephoneNumbers": _X, "PatientAge": _X, "PatientSize": _X, "PatientWeight": _X,
    "MedicalRecordLocator": _X, "EthnicGroup": _X, "Occupation": _X, "AdditionalPatientHistory": _X,
    "PatientComments": _X, "MilitaryRank": _X, "BranchOfService": _X, "CountryOfResidence": _X,
    "RegionOfResidence": _X, "PatientInsurancePlanCodeSequence": _X, "PatientReligiousPreference": _X,
    "PregnancyStatus": _X, "MedicalAlerts": _X, "Allergies": _X, "SmokingStatus": _X,
    "ResponsiblePerson": _X, "ResponsibleOrganization": _X, "IssuerOfPatientID": _X,
    "PatientState": _X, "PatientTransportArrangements": _X, "SpecialNeeds": _X,
    # study / visit
    "AccessionNumber": _P, "StudyID": _Z, "StudyDate": _Z, "StudyTime": _Z,
    "ReferringPhysicianName": _Z, "ReferringPhysicianAddress": _X, "ReferringPhysicianTelephoneNumbers": _X,
    "PhysiciansOfRecord": _X, "PerformingPhysicianName": _X, "NameOfPhysiciansReadingStudy": _X,
    "OperatorsName": _X, "RequestingPhysician": _X, "StudyDescription": _X, "AdmittingDiagnosesDescription": _X,
    "AdmissionID": _X, "CurrentPatientLocation": _X, "InstitutionName": _X, "InstitutionAddress": _X,
    "InstitutionalDepartmentName": _X, "StationName": _X, "DeviceSerialNumber": _X,
    "RequestAttributesSequence": _X, "ReferencedPatientSequence": _X, "ReferencedStudySequence": _X,
    "PerformedProcedureStepID": _X, "PerformedProcedureStepDescription": _X,
    "PerformedProcedureStepStartDate": _X, "PerformedProcedureStepStartTime": _X,
    "ScheduledProcedureStepDescription": _X, "RequestedProcedureDescription": _X,
    "ImageComments": _X, "DerivationDescription": _X, "ProtocolName": _X,
    "SeriesDescription": _X, "SeriesDate": _X, "SeriesTime": _X, "AcquisitionDate": _X,
    "AcquisitionTime": _X, "AcquisitionDateTime": _X, "ContentDate": _Z, "ContentTime": _Z,
    "InstanceCreationDate": _X, "InstanceCreationTime": _X, "OverlayDate": _X, "CurveDate": _X,
    "TextComments": _X, "TextString": _X, "ContentCreatorName": _Z, "PersonName": _D,
    "VerifyingObserverName": _D, "ReviewerName": _X,
    # UIDs (consistent replacement keeps series grouping intact)
    "StudyInstanceUID": _U, "SeriesInstanceUID": _U, "SOPInstanceUID": _U, "FrameOfReferenceUID": _U,
    "SynchronizationFrameOfReferenceUID": _U, "ReferencedSOPInstanceUID": _U,
    "ReferencedFrameOfReferenceUID": _U, "IrradiationEventUID": _U, "StorageMediaFileSetUID": _U,
    "InstanceCreatorUID": _U, "DimensionOrganizationUID": _U, "ConcatenationUID": _U,
    "MediaStorageSOPInstanceUID": _U, "UID": _U,
}
