// Module Workbench: see DESIGN.md §2.
