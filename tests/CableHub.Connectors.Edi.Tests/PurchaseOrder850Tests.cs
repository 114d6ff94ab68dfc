using CableHub.Connectors.Edi.PurchaseOrders;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.Tests;

public sealed class PurchaseOrder850Tests
{
    private static readonly PurchaseOrder Order = new(
        "PO0004711",
        new DateOnly(2024, 1, 15),
        "USD",
        [
            new PurchaseOrderParty("BY", "CableHub Networks") { IdQualifier = "92", Id = "CH01" },
            new PurchaseOrderParty("ST", "CableHub Warehouse East")
            {
                IdQualifier = "92", Id = "WH01", AddressLines = ["1 Depot Road", "Dock 4"], City = "Springfield", State = "IL", PostalCode = "62701", Country = "US",
            },
        ],
        [
            new PurchaseOrderLine("1", "STB4K100", 250, "EA", 49.95m) { Gtin = "081234450000", Description = "4K set-top box" },
            new PurchaseOrderLine("2", "CMDOCSIS31", 40, "EA", 129.5m) { BuyerPartNumber = "CH-CM-31" },
            new PurchaseOrderLine("3", "RMTIR5", 1000, "EA", 2.1m),
        ])
    {
        RequestedDeliveryDate = new DateOnly(2024, 2, 1),
    };

    private static X12EnvelopeOptions Envelope => new("ZZ", "CABLEHUB", "ZZ", "SUPPLIER", 42, 7, new DateTimeOffset(2024, 1, 15, 9, 5, 0, TimeSpan.Zero))
    {
        TransactionControlNumber = 3,
    };

    [Fact]
    public void The_850_has_the_expected_segments_and_envelope()
    {
        var text = X12PurchaseOrderWriter.ToText(Order, Envelope);

        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe([
            "ISA*00*          *00*          *ZZ*CABLEHUB       *ZZ*SUPPLIER       *240115*0905*U*00401*000000042*0*P*>~",
            "GS*PO*CABLEHUB*SUPPLIER*20240115*0905*7*X*004010~",
            "ST*850*0003~",
            "BEG*00*NE*PO0004711**20240115~",
            "CUR*BY*USD~",
            "DTM*002*20240201~",
            "N1*BY*CableHub Networks*92*CH01~",
            "N1*ST*CableHub Warehouse East*92*WH01~",
            "N3*1 Depot Road*Dock 4~",
            "N4*Springfield*IL*62701*US~",
            "PO1*1*250*EA*49.95**VP*STB4K100*UP*081234450000~",
            "PID*F****4K set-top box~",
            "PO1*2*40*EA*129.5**VP*CMDOCSIS31*BP*CH-CM-31~",
            "PO1*3*1000*EA*2.1**VP*RMTIR5~",
            "CTT*3*1290~",
            "SE*14*0003~",
            "GE*1*7~",
            "IEA*1*000000042~",
        ]);
    }

    [Theory]
    [InlineData('*', '>', '~', null, "\n")]
    [InlineData('*', ':', '~', '^', "\r\n")]
    [InlineData('|', '\\', '\u001C', '\u001E', "")]
    public void The_850_round_trips_through_the_parser(char element, char component, char segment, char? repetition, string lineEnding)
    {
        var envelope = Envelope with
        {
            Delimiters = new X12Delimiters(element, component, segment, repetition),
            LineEnding = lineEnding,
            InterchangeVersion = repetition is null ? "00401" : "00501",
            GroupVersion = repetition is null ? "004010" : "005010",
        };

        var document = X12Parser.Parse(X12PurchaseOrderWriter.ToBytes(Order, envelope));

        var interchange = document.Interchanges.Single();
        interchange.Header.Delimiters.ShouldBe(envelope.Delimiters);
        interchange.Header.ControlNumber.ShouldBe("000000042");
        var transaction = interchange.Groups.Single().Transactions.Single();
        transaction.ControlNumber.ShouldBe("0003");
        var parsed = transaction.PurchaseOrder.ShouldNotBeNull();
        (parsed.Number, parsed.OrderDate, parsed.Currency, parsed.Purpose, parsed.OrderType, parsed.RequestedDeliveryDate)
            .ShouldBe((Order.Number, Order.OrderDate, Order.Currency, Order.Purpose, Order.OrderType, Order.RequestedDeliveryDate));
        parsed.Lines.Count.ShouldBe(Order.Lines.Count);
        for (var i = 0; i < Order.Lines.Count; i++)
        {
            parsed.Lines[i].ShouldBe(Order.Lines[i]);
        }

        parsed.Parties.Count.ShouldBe(2);
        parsed.Parties[1].AddressLines.ShouldBe(Order.Parties[1].AddressLines);
        (parsed.Parties[1] with { AddressLines = [] }).ShouldBe(Order.Parties[1] with { AddressLines = [] });
    }

    [Fact]
    public void Values_containing_a_delimiter_and_invalid_orders_are_refused()
    {
        var withStar = Order with { Lines = [Order.Lines[0] with { ModelCode = "STB*4K" }] };
        Should.Throw<ArgumentException>(() => X12PurchaseOrderWriter.ToBytes(withStar, Envelope)).Message.ShouldBe("PO107 value 'STB*4K' contains the delimiter '*'");

        Should.Throw<ArgumentException>(() => X12PurchaseOrderWriter.ToBytes(Order with { Lines = [] }, Envelope)).Message.ShouldBe("purchase order PO0004711 has no lines");
        Should.Throw<ArgumentException>(() => X12PurchaseOrderWriter.ToBytes(Order with { Lines = [Order.Lines[0] with { Quantity = 0 }] }, Envelope))
            .Message.ShouldContain("quantity 0");
        Should.Throw<ArgumentException>(() => X12PurchaseOrderWriter.ToBytes(Order, Envelope with { SenderId = "A-SENDER-ID-LONGER-THAN-15" }))
            .Message.ShouldBe("ISA06 'A-SENDER-ID-LONGER-THAN-15' is longer than 15 characters");
        Should.Throw<ArgumentException>(() => X12PurchaseOrderWriter.ToBytes(Order, Envelope with { Delimiters = X12Delimiters.Default5010 }))
            .Message.ShouldBe("a repetition separator needs ISA12 version 00402 or later, not 00401");
    }

    [Fact]
    public void A_tampered_850_fails_its_CTT_check()
    {
        var text = X12PurchaseOrderWriter.ToText(Order, Envelope).Replace("CTT*3*1290~", "CTT*3*1291~", StringComparison.Ordinal);

        Should.Throw<EdiParseException>(() => X12Parser.Parse(Text.Bytes(text))).Error.Reason
            .ShouldBe("CTT02 hash total '1291' does not match the sum of PO102 quantities 1290");
    }
}
