namespace CableHub.Pipelines;
internal static class AssemblyMarker;
