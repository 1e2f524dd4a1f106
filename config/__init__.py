"""The system's settings, read from the environment (the ``COMPLAINTS_*`` variables).

The floor just above ``policy``: everything but the rules may read the settings, and the settings
import nothing else of ours.
"""
