namespace CableHub.Pipelines.Cdc;

internal static class AssemblyMarker;
