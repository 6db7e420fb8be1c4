//! Which colours the screen uses when it has colours: a setting of the state (drawing maps it to
//! styles in `ui::theme`).

/// The colours of the screen when it has colours (`State::color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Palette {
    /// For a dark terminal background.
    #[default]
    Dark,
    /// For a light terminal background.
    Light,
}
