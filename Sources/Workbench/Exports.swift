// What the workbench's commands are built on, visible to every front end that imports it.
@_exported import Processes
@_exported import Training
