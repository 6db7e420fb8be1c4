//! Styles. With `NO_COLOR` every style keeps its modifiers (bold, reverse, underline) and loses
//! its colours, so nothing is shown by colour alone.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// No colour: modifiers only (also for measuring, where style does not matter).
    pub fn mono() -> Theme {
        Theme { color: false }
    }
    fn c(self, style: Style, fg: Color) -> Style {
        if self.color { style.fg(fg) } else { style }
    }

    pub fn plain(self) -> Style {
        Style::default()
    }
    pub fn dim(self) -> Style {
        self.c(Style::default(), Color::DarkGray)
    }
    pub fn key(self) -> Style {
        self.c(Style::default().add_modifier(Modifier::BOLD), Color::Cyan)
    }
    pub fn title(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }
    pub fn label(self) -> Style {
        self.c(Style::default(), Color::Gray)
    }
    /// The selected row: reverse and bold, so it shows without colour.
    pub fn selected(self, focused: bool) -> Style {
        let s = Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        if self.color && focused {
            s.fg(Color::Cyan)
        } else {
            s
        }
    }
    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.c(Style::default().add_modifier(Modifier::BOLD), Color::Cyan)
        } else {
            self.dim()
        }
    }
    pub fn error(self) -> Style {
        self.c(Style::default().add_modifier(Modifier::BOLD), Color::Red)
    }
    pub fn ok(self) -> Style {
        self.c(Style::default(), Color::Green)
    }
    pub fn warn(self) -> Style {
        self.c(Style::default(), Color::Yellow)
    }
    /// The connection banner: loud, so production is not mistaken for a test org.
    pub fn connection(self, demo: bool) -> Style {
        let s = Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED);
        match (self.color, demo) {
            (false, _) => s,
            (true, true) => s.fg(Color::Green),
            (true, false) => s.fg(Color::Yellow),
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
    pub fn tag(self, purpose: &str) -> Style {
        let fg = match purpose {
            "customer" | "external" => Color::Magenta,
            "agent" | "user" => Color::Green,
            "acd" => Color::Yellow,
            _ => Color::Blue,
        };
        self.c(Style::default().add_modifier(Modifier::BOLD), fg)
    }
    /// A watched attribute that appeared.
    pub fn added(self) -> Style {
        self.c(Style::default().add_modifier(Modifier::BOLD), Color::Green)
    }
    /// A watched attribute whose value changed.
    pub fn changed(self) -> Style {
        self.c(
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            Color::Yellow,
        )
    }
    /// A watched attribute that went away.
    pub fn removed(self) -> Style {
        self.c(
            Style::default().add_modifier(Modifier::CROSSED_OUT),
            Color::Red,
        )
    }
    /// Raw JSON: keys, strings, numbers and literals.
    pub fn json_key(self) -> Style {
        self.c(Style::default().add_modifier(Modifier::BOLD), Color::Cyan)
    }
    pub fn json_str(self) -> Style {
        self.c(Style::default(), Color::Green)
    }
    pub fn json_num(self) -> Style {
        self.c(Style::default(), Color::Magenta)
    }
    /// A search match: reversed, so it shows without colour.
    pub fn matched(self) -> Style {
        self.c(
            Style::default().add_modifier(Modifier::REVERSED),
            Color::Yellow,
        )
    }
}
