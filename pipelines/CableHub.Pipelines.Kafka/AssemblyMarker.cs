namespace CableHub.Pipelines.Kafka;

internal static class AssemblyMarker;
