namespace CableHub.Pipelines.Ingest;

internal static class AssemblyMarker;
