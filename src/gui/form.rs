//! The panel's fields. Each edits one scenario value at a field path (`streaming.partitions`),
//! keeps what is typed until it reads, and shows the scenario's problems with that value
//! beneath it — so a message sits under its field and goes when the field is fixed.

use std::collections::BTreeMap;

use eframe::egui::{self, Color32, RichText};

use crate::input::time::Dur;
use crate::input::validation::Problem;

pub const ERROR: Color32 = Color32::from_rgb(200, 40, 40);

/// Typed text and its parse errors, by field path; kept between frames.
#[derive(Default)]
pub struct Typed {
    text: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
}

impl Typed {
    /// Forgets everything typed (the scenario was replaced).
    pub fn clear(&mut self) {
        *self = Typed::default();
    }

    /// Forgets what was typed at `path` and below (the value there was replaced).
    pub fn forget(&mut self, path: &str) {
        self.text.retain(|p, _| !concerns(p, path));
        self.errors.retain(|p, _| !concerns(p, path));
    }

    /// True when some field holds text that does not read.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// One frame's fields: what they edit, and whether anything changed.
pub struct Form<'a> {
    pub typed: &'a mut Typed,
    pub problems: &'a [Problem],
    /// Paths of the fields drawn this frame: their problems were shown beside them.
    pub shown: Vec<String>,
    pub edited: bool,
}

impl<'a> Form<'a> {
    pub fn new(typed: &'a mut Typed, problems: &'a [Problem]) -> Self {
        Form {
            typed,
            problems,
            shown: Vec::new(),
            edited: false,
        }
    }

    /// A duration as text (`5m`, `1h30m`), applied when it reads.
    pub fn duration(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        hint: &str,
        path: &str,
        value: &mut Dur,
    ) {
        self.typed_field(
            ui,
            (label, hint, path),
            80.0,
            value,
            Dur::to_string,
            |text| Dur::parse(text.trim()),
        );
    }

    /// A list of durations, typed separated by commas (`4h, 48h`); empty for none.
    pub fn durations(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        hint: &str,
        path: &str,
        value: &mut Vec<Dur>,
    ) {
        let show = |list: &Vec<Dur>| {
            let each: Vec<String> = list.iter().map(Dur::to_string).collect();
            each.join(", ")
        };
        let read = |text: &str| {
            (text.split(','))
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(|part| Dur::parse(part).map_err(|why| format!("`{part}`: {why}")))
                .collect()
        };
        self.typed_field(ui, (label, hint, path), 120.0, value, show, read);
    }

    /// A value typed as text: `read` applies it when it reads, else its error shows below.
    fn typed_field<T>(
        &mut self,
        ui: &mut egui::Ui,
        (label, hint, path): (&str, &str, &str),
        width: f32,
        value: &mut T,
        show: impl Fn(&T) -> String,
        read: impl Fn(&str) -> Result<T, String>,
    ) {
        let text = (self.typed.text)
            .entry(path.to_owned())
            .or_insert_with(|| show(value));
        ui.horizontal(|ui| {
            let label = ui.label(label).on_hover_text(hint);
            let field = ui.add(egui::TextEdit::singleline(text).desired_width(width));
            if field.labelled_by(label.id).on_hover_text(hint).changed() {
                match read(text) {
                    Ok(v) => {
                        *value = v;
                        self.typed.errors.remove(path);
                        self.edited = true;
                    }
                    Err(message) => {
                        self.typed.errors.insert(path.to_owned(), message);
                    }
                }
            }
        });
        if let Some(message) = self.typed.errors.get(path) {
            ui.label(RichText::new(message.as_str()).color(ERROR));
        }
        self.problems(ui, path);
    }

    /// A duration that may be absent: a checkbox, and the field when it is on.
    pub fn optional_duration(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        hint: &str,
        path: &str,
        value: &mut Option<Dur>,
        default: Dur,
    ) {
        let mut on = value.is_some();
        if ui.checkbox(&mut on, label).on_hover_text(hint).changed() {
            *value = on.then_some(default);
            self.typed.forget(path);
            self.edited = true;
        }
        match value {
            Some(d) => ui.indent(path, |ui| self.duration(ui, "for", hint, path, d)),
            None => ui.indent(path, |ui| self.problems(ui, path)),
        };
    }

    /// A whole number within `range`.
    pub fn count(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        hint: &str,
        path: &str,
        value: &mut u32,
        range: std::ops::RangeInclusive<u32>,
    ) {
        ui.horizontal(|ui| {
            let label = ui.label(label).on_hover_text(hint);
            let field = ui.add(egui::DragValue::new(value).range(range));
            self.edited |= field.labelled_by(label.id).on_hover_text(hint).changed();
        });
        self.problems(ui, path);
    }

    /// A number dragged or typed; `unit` follows it (" $", " /s").
    pub fn number(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        hint: &str,
        path: &str,
        value: &mut f64,
        unit: &str,
    ) {
        ui.horizontal(|ui| {
            let label = ui.label(label).on_hover_text(hint);
            let speed = (value.abs() / 100.0).max(0.01);
            let field = ui.add(egui::DragValue::new(value).speed(speed).suffix(unit));
            self.edited |= field.labelled_by(label.id).on_hover_text(hint).changed();
        });
        self.problems(ui, path);
    }

    /// A number that may be absent (unlimited capacity): a checkbox, and the number when on.
    #[allow(clippy::too_many_arguments)]
    pub fn optional_number(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        hint: &str,
        path: &str,
        value: &mut Option<f64>,
        default: f64,
        unit: &str,
    ) {
        let mut on = value.is_some();
        if ui.checkbox(&mut on, label).on_hover_text(hint).changed() {
            *value = on.then_some(default);
            self.edited = true;
        }
        match value {
            Some(v) => ui.indent(path, |ui| self.number(ui, "at most", hint, path, v, unit)),
            None => ui.indent(path, |ui| self.problems(ui, path)),
        };
    }

    /// A yes/no setting.
    pub fn flag(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        hint: &str,
        path: &str,
        value: &mut bool,
    ) {
        self.edited |= ui.checkbox(value, label).on_hover_text(hint).changed();
        self.problems(ui, path);
    }

    /// One of a few named values.
    pub fn choice<T: PartialEq + Clone>(
        &mut self,
        ui: &mut egui::Ui,
        label: &str,
        hint: &str,
        path: &str,
        value: &mut T,
        options: &[(T, &str)],
    ) {
        ui.horizontal(|ui| {
            let label = ui.label(label).on_hover_text(hint);
            let current = (options.iter())
                .find(|(v, _)| v == value)
                .map_or("other", |(_, name)| name);
            egui::ComboBox::from_id_salt(path)
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for (option, name) in options {
                        if ui.selectable_label(option == value, *name).clicked() && option != value
                        {
                            *value = option.clone();
                            self.typed.forget(path);
                            self.edited = true;
                        }
                    }
                })
                .response
                .labelled_by(label.id)
                .on_hover_text(hint);
        });
        self.problems(ui, path);
    }

    /// The scenario's problems with the value at `path` (or a part of it) that no field
    /// above has shown, in red.
    pub fn problems(&mut self, ui: &mut egui::Ui, path: &str) {
        let problems: &[Problem] = self.problems;
        for p in problems.iter().filter(|p| concerns(&p.path, path)) {
            if !self.shown.iter().any(|f| concerns(&p.path, f)) {
                ui.label(RichText::new(p.message.as_str()).color(ERROR));
            }
        }
        self.shown.push(path.to_owned());
    }

    /// Problems with values no field drawn this frame shows (a collapsed group's).
    pub fn not_shown(&self) -> Vec<&'a Problem> {
        let problems: &'a [Problem] = self.problems;
        (problems.iter())
            .filter(|p| !self.shown.iter().any(|f| concerns(&p.path, f)))
            .collect()
    }
}

/// True when the value at `path` is the one at `field` or a part of it.
pub fn concerns(path: &str, field: &str) -> bool {
    path.strip_prefix(field)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

#[cfg(test)]
mod tests {
    use super::concerns;

    #[test]
    fn a_path_concerns_its_field_and_the_parts_of_it_only() {
        assert!(concerns("streaming.faults[1].at", "streaming.faults"));
        assert!(concerns("streaming.faults[1].at", "streaming.faults[1]"));
        assert!(concerns("query.window.slide", "query.window"));
        assert!(concerns("cost", "cost"));
        assert!(!concerns("streaming.faults[10].at", "streaming.faults[1]"));
        assert!(!concerns("batch.at_most", "batch.at"));
    }
}
