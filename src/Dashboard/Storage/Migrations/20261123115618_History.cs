using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Dashboard.Storage.Migrations
{
    /// <inheritdoc />
    public partial class History : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // EF Core cannot declare WITHOUT ROWID, so these three are written out (the model snapshot still
            // describes them). Their primary key is the row: no hidden rowid, no second index, and a (series, time
            // range) read is one b-tree range. A later migration that rebuilds one of them must keep WITHOUT ROWID.
            foreach (var table in new[] { "MinuteRollups", "HourRollups" })
            {
                migrationBuilder.Sql($"""
                    CREATE TABLE "{table}" (
                        "SeriesId" INTEGER NOT NULL,
                        "Bucket" INTEGER NOT NULL,
                        "Min" REAL NOT NULL,
                        "Max" REAL NOT NULL,
                        "Sum" REAL NOT NULL,
                        "Count" INTEGER NOT NULL,
                        CONSTRAINT "PK_{table}" PRIMARY KEY ("SeriesId", "Bucket")
                    ) WITHOUT ROWID;
                    """);
            }

            migrationBuilder.Sql("""
                CREATE TABLE "Readings" (
                    "SeriesId" INTEGER NOT NULL,
                    "Time" INTEGER NOT NULL,
                    "Value" REAL NOT NULL,
                    CONSTRAINT "PK_Readings" PRIMARY KEY ("SeriesId", "Time")
                ) WITHOUT ROWID;
                """);

            migrationBuilder.CreateTable(
                name: "Series",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Topic = table.Column<string>(type: "TEXT", nullable: false),
                    Metric = table.Column<string>(type: "TEXT", nullable: false),
                    Unit = table.Column<string>(type: "TEXT", nullable: true),
                    DeviceId = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Series", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Series_Topic_Metric",
                table: "Series",
                columns: new[] { "Topic", "Metric" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "HourRollups");

            migrationBuilder.DropTable(
                name: "MinuteRollups");

            migrationBuilder.DropTable(
                name: "Readings");

            migrationBuilder.DropTable(
                name: "Series");
        }
    }
}
