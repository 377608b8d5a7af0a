using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Dashboard.Storage.Migrations
{
    /// <inheritdoc />
    public partial class SessionUserName : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "UserName",
                table: "Sessions",
                type: "TEXT",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "UserName",
                table: "Sessions");
        }
    }
}
