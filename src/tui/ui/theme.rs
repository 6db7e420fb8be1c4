//! Styles, in three themes:
//! - **dark** (the default): colours for a dark background;
//! - **light**: colours for a light background, from the 8 basic colours that stay readable on
//!   white in 16-colour terminals (no yellow, cyan, grey or bright text; yellow and green only as
//!   a background under black text);
//! - **mono** (`theme = "mono"` or `NO_COLOR`): no colour at all. Every style keeps its modifiers
//!   (bold, reverse, underline) in every theme, so nothing is shown by colour alone.

use ratatui::style::{Color, Modifier, Style};

use crate::tui::detail::anatomy::Seg;
use crate::tui::detail::document::Role;

pub use crate::tui::palette::Palette;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// False under `NO_COLOR` or `theme = "mono"`: modifiers only.
    pub color: bool,
    pub palette: Palette,
}

use Palette::{Dark, Light};

impl Theme {
    /// No colour: modifiers only (also for measuring, where style does not matter).
    pub const fn mono() -> Theme {
        Theme {
            color: false,
            palette: Dark,
        }
    }

    /// The palette in effect, `None` without colour.
    fn colors(self) -> Option<Palette> {
        self.color.then_some(self.palette)
    }

    /// `style` in `dark` or `light`, as the palette says (`None`: the terminal's own colour).
    fn c(self, style: Style, dark: Option<Color>, light: Option<Color>) -> Style {
        let fg = match self.colors() {
            None => None,
            Some(Dark) => dark,
            Some(Light) => light,
        };
        match fg {
            Some(fg) => style.fg(fg),
            None => style,
        }
    }

    pub fn plain(self) -> Style {
        Style::default()
    }
    /// Secondary text. On a light background, the terminal's own text colour: grey is too faint.
    pub fn dim(self) -> Style {
        self.c(Style::default(), Some(Color::DarkGray), None)
    }
    pub fn key(self) -> Style {
        self.c(
            Style::default().add_modifier(Modifier::BOLD),
            Some(Color::Cyan),
            Some(Color::Blue),
        )
    }
    pub fn title(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }
    pub fn label(self) -> Style {
        self.c(Style::default(), Some(Color::Gray), None)
    }
    /// The selected row: reverse and bold, so it shows without colour.
    pub fn selected(self, focused: bool) -> Style {
        let s = Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        if focused {
            self.c(s, Some(Color::Cyan), Some(Color::Blue))
        } else {
            s
        }
    }
    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.c(
                Style::default().add_modifier(Modifier::BOLD),
                Some(Color::Cyan),
                Some(Color::Blue),
            )
        } else {
            self.dim()
        }
    }
    pub fn error(self) -> Style {
        self.c(
            Style::default().add_modifier(Modifier::BOLD),
            Some(Color::Red),
            Some(Color::Red),
        )
    }
    pub fn ok(self) -> Style {
        self.c(Style::default(), Some(Color::Green), Some(Color::Blue))
    }
    pub fn warn(self) -> Style {
        self.c(Style::default(), Some(Color::Yellow), Some(Color::Magenta))
    }
    /// The connection banner: loud, so production is not mistaken for a test org. Green for the
    /// demo, yellow for an org; on a light background as black text on that colour.
    pub fn connection(self, demo: bool) -> Style {
        let s = Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED);
        let bg = if demo { Color::Green } else { Color::Yellow };
        match self.colors() {
            None => s,
            Some(Dark) => s.fg(bg),
            Some(Light) => Style::default()
                .add_modifier(Modifier::BOLD)
                .fg(Color::Black)
                .bg(bg),
        }
    }
    pub fn input(self, focused: bool) -> Style {
        let s = Style::default().add_modifier(Modifier::UNDERLINED);
        if focused {
            s.add_modifier(Modifier::BOLD)
        } else {
            s
        }
    }
    /// A participant's role tag (it also has a symbol and its name: colour is a help, not the
    /// only cue).
    pub fn tag(self, purpose: &str) -> Style {
        self.role(Role::of(purpose))
    }
    /// A role's tag, by its group.
    pub fn role(self, role: Role) -> Style {
        let (dark, light) = match role {
            Role::Customer => (Color::Magenta, Some(Color::Magenta)),
            Role::Agent => (Color::Green, Some(Color::Blue)),
            Role::Acd => (Color::Yellow, Some(Color::Red)),
            Role::Other => (Color::Blue, None),
        };
        self.c(
            Style::default().add_modifier(Modifier::BOLD),
            Some(dark),
            light,
        )
    }
    /// A segment of the timeline. Each kind also has its own symbol (`Seg::symbol`), so the
    /// colour is a help, never the only cue; on a light background fewer colours are readable
    /// and some kinds share one.
    pub fn segment(self, seg: Seg) -> Style {
        let (dark, light) = match seg {
            Seg::Flow => (Color::Blue, Some(Color::Blue)),
            Seg::Queue => (Color::Yellow, Some(Color::Magenta)),
            Seg::Alert => (Color::Magenta, Some(Color::Red)),
            Seg::Talk => (Color::Green, None),
            Seg::Hold => (Color::Red, Some(Color::Red)),
            Seg::WrapUp => (Color::Cyan, Some(Color::Blue)),
            Seg::Other => (Color::DarkGray, None),
        };
        self.c(Style::default(), Some(dark), light)
    }
    /// A watched attribute that appeared.
    pub fn added(self) -> Style {
        self.c(
            Style::default().add_modifier(Modifier::BOLD),
            Some(Color::Green),
            Some(Color::Blue),
        )
    }
    /// A watched attribute whose value changed.
    pub fn changed(self) -> Style {
        self.c(
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            Some(Color::Yellow),
            Some(Color::Magenta),
        )
    }
    /// A watched attribute that went away.
    pub fn removed(self) -> Style {
        self.c(
            Style::default().add_modifier(Modifier::CROSSED_OUT),
            Some(Color::Red),
            Some(Color::Red),
        )
    }
    /// Raw JSON: keys, strings, numbers and literals.
    pub fn json_key(self) -> Style {
        self.c(
            Style::default().add_modifier(Modifier::BOLD),
            Some(Color::Cyan),
            Some(Color::Blue),
        )
    }
    pub fn json_str(self) -> Style {
        self.c(Style::default(), Some(Color::Green), Some(Color::Red))
    }
    pub fn json_num(self) -> Style {
        self.c(Style::default(), Some(Color::Magenta), Some(Color::Magenta))
    }
    /// A search match: reversed, so it shows without colour; on a light background, black on
    /// yellow like a highlighter.
    pub fn matched(self) -> Style {
        let s = Style::default().add_modifier(Modifier::REVERSED);
        match self.colors() {
            None => s,
            Some(Dark) => s.fg(Color::Yellow),
            Some(Light) => Style::default().fg(Color::Black).bg(Color::Yellow),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Theme; 3] = [
        Theme {
            color: true,
            palette: Dark,
        },
        Theme {
            color: true,
            palette: Light,
        },
        Theme::mono(),
    ];

    fn styles(t: Theme) -> Vec<Style> {
        let mut v = vec![
            t.plain(),
            t.dim(),
            t.key(),
            t.title(),
            t.label(),
            t.selected(true),
            t.selected(false),
            t.border(true),
            t.border(false),
            t.error(),
            t.ok(),
            t.warn(),
            t.connection(true),
            t.connection(false),
            t.input(true),
            t.input(false),
            t.added(),
            t.changed(),
            t.removed(),
            t.json_key(),
            t.json_str(),
            t.json_num(),
            t.matched(),
        ];
        for p in [
            "customer", "external", "agent", "user", "acd", "workflow", "ivr",
        ] {
            v.push(t.tag(p));
        }
        for seg in Seg::ALL {
            v.push(t.segment(seg));
        }
        v
    }

    #[test]
    fn light_text_is_never_grey_yellow_cyan_or_bright() {
        let unreadable = |c: Option<Color>| {
            matches!(
                c,
                Some(
                    Color::Gray
                        | Color::DarkGray
                        | Color::White
                        | Color::Yellow
                        | Color::Cyan
                        | Color::Green
                        | Color::LightRed
                        | Color::LightGreen
                        | Color::LightYellow
                        | Color::LightBlue
                        | Color::LightMagenta
                        | Color::LightCyan
                        | Color::Rgb(..)
                        | Color::Indexed(_)
                )
            )
        };
        for s in styles(ALL[1]) {
            // Reverse video turns the foreground into the background.
            let text = if s.add_modifier.contains(Modifier::REVERSED) {
                s.bg
            } else {
                s.fg
            };
            assert!(!unreadable(text), "{s:?}");
            // A coloured background carries black text.
            if s.bg.is_some() && !s.add_modifier.contains(Modifier::REVERSED) {
                assert_eq!(s.fg, Some(Color::Black), "{s:?}");
            }
        }
    }

    #[test]
    fn mono_has_no_colour_and_every_theme_the_same_modifiers() {
        for s in styles(Theme::mono()) {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
        }
        let mods = |t| {
            styles(t)
                .iter()
                .map(|s| s.add_modifier - Modifier::REVERSED)
                .collect::<Vec<_>>()
        };
        assert_eq!(mods(ALL[0]), mods(Theme::mono()));
        assert_eq!(mods(ALL[1]), mods(Theme::mono()));
    }

    #[test]
    fn dark_keeps_its_colours() {
        let t = ALL[0];
        assert_eq!(t.dim().fg, Some(Color::DarkGray));
        assert_eq!(t.key().fg, Some(Color::Cyan));
        assert_eq!(t.selected(true).fg, Some(Color::Cyan));
        assert_eq!(t.tag("acd").fg, Some(Color::Yellow));
        assert_eq!(t.connection(false).fg, Some(Color::Yellow));
    }
}

#[cfg(test)]
#[path = "theme_tests.rs"]
mod screen_tests;
