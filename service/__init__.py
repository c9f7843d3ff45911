"""The vetting service: vets suppliers and cloud services for Japanese public bodies."""
