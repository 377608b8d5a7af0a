using MudBlazor;

namespace Dashboard.Components.Layout;

internal static class DashboardTheme
{
    // System fonts: the dashboard often runs where there is no internet to fetch web fonts from.
    private static readonly string[] Fonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#0b6e99",
            Secondary = "#6d4aff",
            AppbarBackground = "#0b3954",
            Background = "#f4f6f8",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#4fb3e0",
            Secondary = "#a48bff",
            AppbarBackground = "#10202b",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Fonts },
            H1 = new H1Typography { FontFamily = Fonts },
            H2 = new H2Typography { FontFamily = Fonts },
            H3 = new H3Typography { FontFamily = Fonts },
            H4 = new H4Typography { FontFamily = Fonts },
            H5 = new H5Typography { FontFamily = Fonts },
            H6 = new H6Typography { FontFamily = Fonts },
            Button = new ButtonTypography { FontFamily = Fonts },
            Body1 = new Body1Typography { FontFamily = Fonts },
            Body2 = new Body2Typography { FontFamily = Fonts },
            Caption = new CaptionTypography { FontFamily = Fonts },
            Subtitle1 = new Subtitle1Typography { FontFamily = Fonts },
            Subtitle2 = new Subtitle2Typography { FontFamily = Fonts },
            Overline = new OverlineTypography { FontFamily = Fonts },
        },
    };
}
