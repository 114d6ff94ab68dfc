namespace CableHub.Connectors.Cas;
internal static class AssemblyMarker;
