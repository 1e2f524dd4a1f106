"""The Customer Complaint Handling Form (客户投诉处理表, the regulation's annex) as a .docx.

The form is regenerated as the complaint moves: ``write_handling_form`` assembles the
fields from the database (``handling_form_data``), and stores a new version only when they
changed. python-docx output embeds the time of writing, so versions are compared by a SHA-256
of the *fields* (kept in the file's core property ``identifier``), not of the bytes.

Archiving (Art. 4(1) "处理过程存档") writes a final version: the file is made read-only, the
SHA-256 of its bytes is kept in ``documents.sha256``, every later write is refused, and
``read_archived_form`` checks the checksum each time the archive is read.

The file holds personal data (Art. 2(5)): it lives only under ``data_dir``; the Prefect task
returns its checksum, never its content.

Three modules, imported in one direction: ``fields`` (the cells, read from the database),
``docx_file`` (python-docx, the page), ``versions`` (the files and their rows).
"""

from services.handling_form.fields import (
    FORM_KIND,
    FORM_TITLE,
    HandlingFormData,
    HandlingFormError,
    handling_form_data,
)
from services.handling_form.versions import (
    ArchiveTamperedError,
    HandlingFormArchivedError,
    ensure_handling_form,
    form_versions,
    latest_handling_form,
    read_archived_form,
    render_handling_form,
    write_handling_form,
)

__all__ = [
    "FORM_KIND",
    "FORM_TITLE",
    "ArchiveTamperedError",
    "HandlingFormArchivedError",
    "HandlingFormData",
    "HandlingFormError",
    "ensure_handling_form",
    "form_versions",
    "handling_form_data",
    "latest_handling_form",
    "read_archived_form",
    "render_handling_form",
    "write_handling_form",
]
