"""A local, mutable imitation of the Federal Register's API (https://www.federalregister.gov/api/v1) and of its
documents' texts, for the Federal Register source's tests and benchmarks."""

from testkit.federal_register.documents import AGENCIES, Agency, FrDocument
from testkit.federal_register.faults import Fault
from testkit.federal_register.fixtures import generated_register, korus_documents, korus_register
from testkit.federal_register.register import FederalRegister
from testkit.federal_register.server import FederalRegisterServer

__all__ = [
    "AGENCIES", "Agency", "Fault", "FederalRegister", "FederalRegisterServer", "FrDocument", "generated_register",
    "korus_documents", "korus_register",
]
