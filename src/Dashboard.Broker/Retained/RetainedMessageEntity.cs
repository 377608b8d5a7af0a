using Dashboard.Broker.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Broker.Retained;

public sealed class RetainedMessageEntity : StoredMessage
{
    public DateTime StoredAt { get; set; }
}

internal sealed class RetainedMessageConfiguration : IEntityTypeConfiguration<RetainedMessageEntity>
{
    public void Configure(EntityTypeBuilder<RetainedMessageEntity> builder)
    {
        builder.ToTable("RetainedMessages");
        builder.HasKey(m => m.Topic);
    }
}
