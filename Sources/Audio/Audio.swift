// Module Audio: see DESIGN.md §2.
