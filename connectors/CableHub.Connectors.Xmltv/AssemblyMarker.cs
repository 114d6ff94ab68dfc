namespace CableHub.Connectors.Xmltv;

internal static class AssemblyMarker;
