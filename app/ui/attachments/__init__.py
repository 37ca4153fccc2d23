"""Evidence files in the UI: `AttachmentsWidget` (thumbnails, drag and drop, a picker, paste an image, open
with the system viewer, remove) for any record, `AttachmentsDialog` around it, and `FilesButton`, which opens
the dialog for the record a view shows."""

from app.ui.attachments.button import FilesButton
from app.ui.attachments.widget import AttachmentsDialog, AttachmentsWidget

__all__ = ["AttachmentsDialog", "AttachmentsWidget", "FilesButton"]
