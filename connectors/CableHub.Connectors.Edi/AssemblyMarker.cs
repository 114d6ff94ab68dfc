namespace CableHub.Connectors.Edi;

internal static class AssemblyMarker;
