"""Browsing and searching the published items for the search and home pages.

``search`` reads the page's parameters (``parse``), then either ranks by the calibrated
search (a query: above the relevance line only) or lists the published items by the
filters, newest first; ``overview`` gathers what the home page shows. The pages only
render what these return.
"""
