namespace CableHub.Pipelines.Ingest.Envelopes;

/// <summary>
/// A change event that cannot be parsed or converted. The message names the place (member path, field)
/// and the reason; the ingester dead-letters the event with this message.
/// </summary>
public sealed class InvalidEnvelopeException : Exception
{
    public InvalidEnvelopeException()
    {
    }

    public InvalidEnvelopeException(string message)
        : base(message)
    {
    }

    public InvalidEnvelopeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
