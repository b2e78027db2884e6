"""The console's pages, one module per page family (as in Datasette): each holds the GET
pages and POST forms of one part of the menu; `kiosk.console.app` maps them to URLs."""
