"""dualpower: council democracy, recall at the first demand, and a register of the dual power."""

__version__ = "0.1.0"
