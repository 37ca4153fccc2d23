"""Tandem's look: a calm, light style sheet on top of Qt's Fusion style."""

STYLE_SHEET = """
QWidget { font-size: 10pt; }
#sidebar { background: #1f2933; color: #e4e7eb; border: none; font-size: 10.5pt; padding-top: 8px; }
#sidebar::item { padding: 9px 16px; border-left: 3px solid transparent; }
#sidebar::item:selected { background: #323f4b; color: white; border-left: 3px solid #4fa3d1; }
#sidebar::item:hover:!selected { background: #29343f; }
#pageTitle { font-size: 15pt; font-weight: 600; padding: 2px 2px 6px 2px; color: #1f2933; }
#muted { color: #616e7c; }
#workspaceBanner { background: #e3f0fa; color: #102a43; border-bottom: 1px solid #bcccdc;
                   border-left: 4px solid #4fa3d1; padding: 7px 14px; }
#error { color: #b71c1c; background: #fdecea; border: 1px solid #f5c6c0; border-radius: 4px; padding: 6px; }
QGroupBox { font-weight: 600; border: 1px solid #d9e2ec; border-radius: 6px; margin-top: 12px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #334e68; }
QLineEdit[invalid="true"], QSpinBox[invalid="true"] { border: 1px solid #c62828; background: #fff5f5; }
QTableView { gridline-color: #e4e7eb; selection-background-color: #d4e8f7; selection-color: #102a43; }
QHeaderView::section { background: #f0f4f8; padding: 4px 6px; border: none;
                       border-bottom: 1px solid #bcccdc; font-weight: 600; }
QPushButton { padding: 4px 12px; }
"""
