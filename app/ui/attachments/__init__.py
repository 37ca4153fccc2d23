"""Evidence files in the UI: `AttachmentsWidget` (thumbnails, drag and drop, a picker, paste an image, open
with the system viewer, remove) for any record, and `AttachmentsDialog` around it."""

from app.ui.attachments.widget import AttachmentsDialog, AttachmentsWidget

__all__ = ["AttachmentsDialog", "AttachmentsWidget"]
