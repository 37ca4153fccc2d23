"""pyqtgraph charts: a KPI trend chart and the value–risk matrix. Both export to PNG."""
