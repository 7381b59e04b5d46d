name = "acpi"


def sniff(head, path=""):
    return 0


def read_bytes(data, path, on_problem):
    return iter(())
