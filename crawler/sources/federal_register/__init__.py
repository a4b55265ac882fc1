"""The Federal Register, read through its public JSON API (https://www.federalregister.gov/api/v1, no key)."""
