using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Dashboard.Storage.Migrations
{
    /// <inheritdoc />
    public partial class InitialBrokerState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "RetainedMessages",
                columns: table => new
                {
                    Topic = table.Column<string>(type: "TEXT", nullable: false),
                    StoredAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Payload = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Qos = table.Column<byte>(type: "INTEGER", nullable: false),
                    ContentType = table.Column<string>(type: "TEXT", nullable: true),
                    ResponseTopic = table.Column<string>(type: "TEXT", nullable: true),
                    CorrelationData = table.Column<byte[]>(type: "BLOB", nullable: true),
                    PayloadFormat = table.Column<byte>(type: "INTEGER", nullable: false),
                    UserPropertiesJson = table.Column<string>(type: "TEXT", nullable: true),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetainedMessages", x => x.Topic);
                });

            migrationBuilder.CreateTable(
                name: "Sessions",
                columns: table => new
                {
                    ClientId = table.Column<string>(type: "TEXT", nullable: false),
                    ExpirySeconds = table.Column<long>(type: "INTEGER", nullable: false),
                    DisconnectedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Sessions", x => x.ClientId);
                });

            migrationBuilder.CreateTable(
                name: "QueuedMessages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false),
                    ClientId = table.Column<string>(type: "TEXT", nullable: false),
                    Retain = table.Column<bool>(type: "INTEGER", nullable: false),
                    Topic = table.Column<string>(type: "TEXT", nullable: false),
                    Payload = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Qos = table.Column<byte>(type: "INTEGER", nullable: false),
                    ContentType = table.Column<string>(type: "TEXT", nullable: true),
                    ResponseTopic = table.Column<string>(type: "TEXT", nullable: true),
                    CorrelationData = table.Column<byte[]>(type: "BLOB", nullable: true),
                    PayloadFormat = table.Column<byte>(type: "INTEGER", nullable: false),
                    UserPropertiesJson = table.Column<string>(type: "TEXT", nullable: true),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QueuedMessages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_QueuedMessages_Sessions_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Sessions",
                        principalColumn: "ClientId",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Subscriptions",
                columns: table => new
                {
                    ClientId = table.Column<string>(type: "TEXT", nullable: false),
                    TopicFilter = table.Column<string>(type: "TEXT", nullable: false),
                    Qos = table.Column<byte>(type: "INTEGER", nullable: false),
                    NoLocal = table.Column<bool>(type: "INTEGER", nullable: false),
                    RetainAsPublished = table.Column<bool>(type: "INTEGER", nullable: false),
                    RetainHandling = table.Column<byte>(type: "INTEGER", nullable: false),
                    Identifier = table.Column<uint>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Subscriptions", x => new { x.ClientId, x.TopicFilter });
                    table.ForeignKey(
                        name: "FK_Subscriptions_Sessions_ClientId",
                        column: x => x.ClientId,
                        principalTable: "Sessions",
                        principalColumn: "ClientId",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_ClientId",
                table: "QueuedMessages",
                column: "ClientId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "QueuedMessages");

            migrationBuilder.DropTable(
                name: "RetainedMessages");

            migrationBuilder.DropTable(
                name: "Subscriptions");

            migrationBuilder.DropTable(
                name: "Sessions");
        }
    }
}
