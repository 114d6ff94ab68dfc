namespace CableHub.Warehouse;
internal static class AssemblyMarker;
