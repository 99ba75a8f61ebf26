"""KPIs against town targets: the indicator registry, targets, figures and drill-downs."""
