namespace CableHub.Sagas;
internal static class AssemblyMarker;
