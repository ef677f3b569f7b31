//! The self-rating progress chart behind `/progress`, drawn as PNG bytes.
//!
//! Leaders rate themselves from 1 to 5 on each of the nine shifts, about once a month;
//! [`progress_png`] draws those ratings over time as one line per shift, with a title, labelled
//! axes (months across, ratings up) and a legend to the right of the plot. The picture is
//! [`WIDTH`] x [`HEIGHT`] pixels on white, with text sized to stay readable when a chat client
//! shrinks it to about half that width.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary (`assets/fonts/`, licence beside it),
//! so the chart renders the same in a container with no fonts installed. Nothing here touches
//! the file system or the network: the caller gets the bytes and sends them as a file.

use std::ops::Range;
use std::sync::OnceLock;

use chrono::{Datelike, Days, Months, NaiveDate};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width of the PNG, in pixels.
pub const WIDTH: u32 = 1000;
/// Height of the PNG, in pixels.
pub const HEIGHT: u32 = 600;

/// The most lines one chart draws: one per shift.
pub const MAX_SERIES: usize = 9;
/// The lowest self-rating.
pub const MIN_RATING: u8 = 1;
/// The highest self-rating.
pub const MAX_RATING: u8 = 5;

/// One line of the chart: a shift's ratings over time.
///
/// `points` are `(day the rating was given, rating)` pairs, the rating from [`MIN_RATING`] to
/// [`MAX_RATING`] inclusive. They may come in any order (they are drawn by date) and may be empty,
/// for a shift not rated yet: it keeps its place and colour in the legend but draws no line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The name shown in the legend, e.g. `"Depth to breadth"`. About 24 characters fit; a
    /// longer one is cut with an ellipsis.
    pub label: String,
    /// The ratings: `(date, rating)`, rating 1..=5.
    pub points: Vec<(NaiveDate, u8)>,
}

/// Why no chart could be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// No series has a single rating, so there is nothing to draw.
    #[error("there are no ratings to chart")]
    NoRatings,
    /// More series than the chart has colours and legend rows for.
    #[error("{count} lines are too many for one chart (at most {MAX_SERIES})")]
    TooManySeries {
        /// How many series were given.
        count: usize,
    },
    /// A rating outside [`MIN_RATING`]..=[`MAX_RATING`].
    #[error("rating {rating} for {label:?} on {date} is outside {MIN_RATING} to {MAX_RATING}")]
    RatingOutOfRange {
        /// The label of the series holding it.
        label: String,
        /// The date it was given for.
        date: NaiveDate,
        /// The rating itself.
        rating: u8,
    },
    /// The embedded font could not be read (a broken build, not bad input).
    #[error("the embedded chart font could not be loaded")]
    Font,
    /// Drawing failed inside the charting library.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// The finished picture could not be encoded as PNG.
    #[error("encoding the chart as PNG failed: {0}")]
    Encode(String),
}

/// DejaVu Sans, embedded so text renders without any font installed on the host.
static FONT_BYTES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));

/// The family name the font is registered under. Plotters falls back to `sans-serif` for any
/// text not given a family, so registering under that name covers every label it draws.
const FONT_FAMILY: &str = "sans-serif";

/// Nine colours, one per line, each dark enough to read as a thin line on white and apart
/// enough in hue or lightness to tell from the others.
const PALETTE: [RGBColor; MAX_SERIES] = [
    RGBColor(0x1f, 0x77, 0xb4), // blue
    RGBColor(0xe6, 0x6c, 0x00), // orange
    RGBColor(0x2c, 0xa0, 0x2c), // green
    RGBColor(0xd6, 0x27, 0x28), // red
    RGBColor(0x94, 0x67, 0xbd), // purple
    RGBColor(0x8c, 0x56, 0x4b), // brown
    RGBColor(0xe3, 0x77, 0xc2), // pink
    RGBColor(0x8f, 0x8f, 0x00), // olive
    RGBColor(0x12, 0x9e, 0xb0), // teal
];

/// Dark grey for the title, the axis names and the legend.
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Softer grey for tick labels and axis lines.
const AXIS_INK: RGBColor = RGBColor(0x44, 0x44, 0x44);
/// Grid lines at each rating and each labelled month.
const GRID: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);

// Text sizes, in pixels (the em size handed to the font).
const TITLE_SIZE: f64 = 30.0;
const AXIS_NAME_SIZE: f64 = 22.0;
const TICK_SIZE: f64 = 20.0;
const LEGEND_SIZE: f64 = 21.0;

// Layout, in pixels. The title has a band across the top; below it the plot takes the left and
// the legend the right.
/// Height of the band across the top that holds the title.
const TITLE_BAND: u32 = 56;
/// Gap kept clear along the edges of the picture.
const EDGE: u32 = 14;
/// Room left of the plot for the rating ticks and the rotated axis name.
const Y_LABEL_AREA: u32 = 78;
/// Room under the plot for the month ticks and the axis name.
const X_LABEL_AREA: u32 = 68;
/// The legend's narrowest and widest extent, swatch and gaps included.
const LEGEND_MIN_WIDTH: u32 = 170;
const LEGEND_MAX_WIDTH: u32 = 330;
/// The legend's sample line, and the gap from it to the label.
const SWATCH_WIDTH: i32 = 34;
const SWATCH_GAP: i32 = 10;
/// Height of one legend row.
const LEGEND_ROW: i32 = 34;

/// Line width and marker radius of the series, in pixels.
const LINE_WIDTH: u32 = 3;
const MARKER_SIZE: i32 = 6;

/// Ratings are plotted in hundredths of a point, so lines can be nudged apart by less than one.
const SCALE: i32 = 100;
/// How far apart, in hundredths of a rating, lines are drawn so that equal ratings stay visible
/// side by side instead of hiding one another (nine lines span at most ±0.18 around the true
/// value).
const DODGE: i32 = 4;

/// Text longer than this many characters is cut before it is measured to fit.
const MAX_TEXT_CHARS: usize = 200;

/// At most this many months are labelled along the bottom, so labels never crowd.
const MAX_MONTH_LABELS: usize = 6;

/// Draws `series` (at most nine lines; more is an error) under `title` as a PNG.
///
/// The result is a [`WIDTH`] x [`HEIGHT`] pixel, 8-bit RGB PNG. Series are coloured in order
/// from a fixed palette of nine, so the same order gives the same colours on every chart.
/// Each rating sits at its own day along the month axis, whose labels mark the first day of a
/// month (at most six of them). Lines are nudged apart vertically by a few hundredths of a
/// rating so that equal ratings show as parallel lines rather than one hiding the others.
/// A series with one rating shows as a single marker; when every rating falls on one date the
/// range is widened by ten days each side and that date is labelled with its month. A title
/// too long for the picture is cut with an ellipsis; an empty one leaves the band blank.
///
/// # Errors
///
/// [`ChartError::TooManySeries`] for more than [`MAX_SERIES`] series,
/// [`ChartError::RatingOutOfRange`] for a rating outside 1..=5, [`ChartError::NoRatings`] when
/// no series holds a rating, and [`ChartError::Font`], [`ChartError::Draw`] or
/// [`ChartError::Encode`] if rendering itself fails.
pub fn progress_png(title: &str, series: &[Series]) -> Result<Vec<u8>, ChartError> {
    check(series)?;
    ensure_font()?;
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    draw(title, series, &mut rgb)?;
    encode(&rgb)
}

/// Refuses what cannot be drawn, before any drawing starts.
fn check(series: &[Series]) -> Result<(), ChartError> {
    if series.len() > MAX_SERIES {
        return Err(ChartError::TooManySeries {
            count: series.len(),
        });
    }
    for line in series {
        if let Some(&(date, rating)) = line
            .points
            .iter()
            .find(|(_, rating)| !(MIN_RATING..=MAX_RATING).contains(rating))
        {
            return Err(ChartError::RatingOutOfRange {
                label: line.label.clone(),
                date,
                rating,
            });
        }
    }
    if series.iter().all(|line| line.points.is_empty()) {
        return Err(ChartError::NoRatings);
    }
    Ok(())
}

/// Registers the embedded font with plotters, once per process.
fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if *ok { Ok(()) } else { Err(ChartError::Font) }
}

fn draw_error(error: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(error.to_string())
}

fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&color)
}

/// Draws the whole picture into `rgb` (`WIDTH * HEIGHT * 3` bytes, row by row).
fn draw(title: &str, series: &[Series], rgb: &mut [u8]) -> Result<(), ChartError> {
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(draw_error)?;

    let (title_band, body) = root.split_vertically(TITLE_BAND);
    draw_title(&title_band, title)?;

    let legend_style = text(LEGEND_SIZE, INK);
    let max_label = (LEGEND_MAX_WIDTH as i32 - SWATCH_WIDTH - SWATCH_GAP - EDGE as i32 * 2) as u32;
    let labels = series
        .iter()
        .map(|line| fit(&body, &line.label, &legend_style, max_label))
        .collect::<Result<Vec<_>, _>>()?;
    let widest = labels
        .iter()
        .map(|label| body.estimate_text_size(label, &legend_style))
        .try_fold(0u32, |widest, size| size.map(|(w, _)| widest.max(w)))
        .map_err(draw_error)?;
    let legend_width = (widest + (SWATCH_WIDTH + SWATCH_GAP) as u32 + EDGE * 2)
        .clamp(LEGEND_MIN_WIDTH, LEGEND_MAX_WIDTH);
    let (plot_area, legend_area) = body.split_horizontally(WIDTH - legend_width);

    let (x_range, months) = date_axis(series);
    let month_label = |date: &NaiveDate| date.format("%b %Y").to_string();
    let rating_label = |rating: &i32| (rating / SCALE).to_string();
    let ratings: Vec<i32> = (MIN_RATING..=MAX_RATING)
        .map(|rating| i32::from(rating) * SCALE)
        .collect();
    let y_range =
        i32::from(MIN_RATING) * SCALE - SCALE / 2..i32::from(MAX_RATING) * SCALE + SCALE / 2;

    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(EDGE)
        .margin_right(EDGE)
        .margin_top(6)
        .margin_bottom(EDGE)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(
            x_range.with_key_points(months),
            y_range.with_key_points(ratings),
        )
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_desc("Month")
        .y_desc("Self-rating (1-5)")
        .axis_desc_style(text(AXIS_NAME_SIZE, INK))
        .label_style(text(TICK_SIZE, AXIS_INK))
        .x_label_formatter(&month_label)
        .y_label_formatter(&rating_label)
        .axis_style(AXIS_INK.stroke_width(1))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .set_all_tick_mark_size(5)
        .draw()
        .map_err(draw_error)?;

    for (index, line) in series.iter().enumerate() {
        let color = PALETTE[index];
        let offset = dodge(index, series.len());
        let mut points: Vec<(NaiveDate, i32)> = line
            .points
            .iter()
            .map(|&(date, rating)| (date, i32::from(rating) * SCALE + offset))
            .collect();
        points.sort_by_key(|&(date, _)| date);
        if points.len() > 1 {
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(LINE_WIDTH),
                ))
                .map_err(draw_error)?;
        }
        let style = color.filled();
        let drawn = match Marker::of(index) {
            Marker::Circle => chart
                .draw_series(points.iter().map(|&at| Circle::new(at, MARKER_SIZE, style)))
                .map(drop),
            Marker::Square => chart
                .draw_series(
                    points
                        .iter()
                        .map(|&at| EmptyElement::at(at) + square(style)),
                )
                .map(drop),
            Marker::Triangle => chart
                .draw_series(points.iter().map(|&at| triangle(at, style)))
                .map(drop),
        };
        drawn.map_err(draw_error)?;
    }

    draw_legend(&legend_area, &labels, legend_style)?;
    root.present().map_err(draw_error)?;
    Ok(())
}

fn draw_title(band: &DrawingArea<BitMapBackend<'_>, Shift>, title: &str) -> Result<(), ChartError> {
    let style = text(TITLE_SIZE, INK).pos(Pos::new(HPos::Center, VPos::Center));
    let title = fit(band, title.trim(), &style, WIDTH - EDGE * 2)?;
    if title.is_empty() {
        return Ok(());
    }
    band.draw_text(&title, &style, (WIDTH as i32 / 2, TITLE_BAND as i32 / 2))
        .map_err(draw_error)
}

/// The legend: a sample line and marker in the series colour, then its label, one row each,
/// starting level with the top of the plot.
fn draw_legend(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    labels: &[String],
    style: TextStyle<'_>,
) -> Result<(), ChartError> {
    let style = style.pos(Pos::new(HPos::Left, VPos::Center));
    let left = EDGE as i32 / 2;
    for (index, label) in labels.iter().enumerate() {
        let color = PALETTE[index];
        let y = 6 + LEGEND_ROW / 2 + LEGEND_ROW * index as i32;
        area.draw(&PathElement::new(
            vec![(left, y), (left + SWATCH_WIDTH, y)],
            color.stroke_width(LINE_WIDTH),
        ))
        .map_err(draw_error)?;
        let at = (left + SWATCH_WIDTH / 2, y);
        let fill = color.filled();
        match Marker::of(index) {
            Marker::Circle => area.draw(&Circle::new(at, MARKER_SIZE, fill)),
            Marker::Square => area.draw(&(EmptyElement::at(at) + square(fill))),
            Marker::Triangle => area.draw(&triangle(at, fill)),
        }
        .map_err(draw_error)?;
        area.draw_text(label, &style, (left + SWATCH_WIDTH + SWATCH_GAP, y))
            .map_err(draw_error)?;
    }
    Ok(())
}

/// Marker shapes, cycled through with the colours so lines also differ by shape (a help where
/// colours are hard to tell apart).
#[derive(Debug, Clone, Copy)]
enum Marker {
    Circle,
    Square,
    Triangle,
}

impl Marker {
    fn of(index: usize) -> Self {
        match index % 3 {
            0 => Marker::Circle,
            1 => Marker::Square,
            _ => Marker::Triangle,
        }
    }
}

/// A filled square marker, in pixels around the point it is attached to.
fn square(style: ShapeStyle) -> Rectangle<(i32, i32)> {
    let half = MARKER_SIZE - 1;
    Rectangle::new([(-half, -half), (half, half)], style)
}

/// A filled triangle marker centred on `at`, a little larger than the others so it looks as
/// heavy.
fn triangle<C>(at: C, style: ShapeStyle) -> TriangleMarker<C, i32> {
    TriangleMarker::new(at, MARKER_SIZE + 2, style)
}

/// The vertical nudge, in hundredths of a rating, of line `index` out of `count`: centred on
/// zero so the middle line sits on its true value.
fn dodge(index: usize, count: usize) -> i32 {
    // Both are at most MAX_SERIES, checked before drawing.
    let (index, count) = (index as i32, count as i32);
    (2 * index - (count - 1).max(0)) * DODGE / 2
}

/// The date range of the x axis, padded so markers at either end are not cut by the plot edge,
/// and the dates to label with their month.
///
/// Labels mark the first day of each month, thinned to at most [`MAX_MONTH_LABELS`] and then
/// kept on calendar steps (every other month from January, each quarter, each half year, each
/// year). The range always takes in the first day of the earliest rating's month, so the first
/// rating sits beside the label of its month. When every rating falls on one date, that date
/// itself is labelled, right under the markers.
fn date_axis(series: &[Series]) -> (Range<NaiveDate>, Vec<NaiveDate>) {
    let dates = series
        .iter()
        .flat_map(|line| line.points.iter().map(|&(date, _)| date));
    let first = dates.clone().min().unwrap_or_default();
    let last = dates.max().unwrap_or(first);
    let span = (last - first).num_days().max(0) as u64;
    let pad = Days::new((span / 25).max(10));
    let before = |date: NaiveDate, days: Days| date.checked_sub_days(days).unwrap_or(date);
    let end = last.checked_add_days(pad).unwrap_or(last);
    if first == last {
        return (before(first, pad)..end, vec![first]);
    }
    let month_of_first = first.with_day(1).unwrap_or(first);
    let start = before(first, pad).min(before(month_of_first, Days::new(5)));

    let mut months = Vec::new();
    let mut month = start.with_day(1).unwrap_or(start);
    while month <= end {
        if month > start {
            months.push(month);
        }
        let Some(next) = month.checked_add_months(Months::new(1)) else {
            break;
        };
        month = next;
    }
    let step = [1, 2, 3, 4, 6, 12]
        .into_iter()
        .find(|step| months.len().div_ceil(*step) <= MAX_MONTH_LABELS)
        .unwrap_or_else(|| months.len().div_ceil(MAX_MONTH_LABELS).div_ceil(12) * 12);
    let months = months
        .into_iter()
        .filter(|month| month.month0() as usize % step.min(12) == 0)
        .filter(|month| step <= 12 || month.year().rem_euclid(step as i32 / 12) == 0)
        .collect();
    (start..end, months)
}

/// `label` as drawn in `style`, cut with an ellipsis so it is at most `max_width` pixels wide.
fn fit(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    label: &str,
    style: &TextStyle<'_>,
    max_width: u32,
) -> Result<String, ChartError> {
    let width = |text: &str| {
        area.estimate_text_size(text, style)
            .map(|(w, _)| w)
            .map_err(draw_error)
    };
    if width(label)? <= max_width {
        return Ok(label.to_string());
    }
    // Far more than fits, so cutting stays quick however long the input.
    let mut kept: Vec<char> = label.chars().take(MAX_TEXT_CHARS).collect();
    while !kept.is_empty() {
        kept.pop();
        let candidate = format!("{}…", kept.iter().collect::<String>().trim_end());
        if width(&candidate)? <= max_width {
            return Ok(candidate);
        }
    }
    Ok(String::new())
}

/// Encodes the RGB pixels as PNG.
fn encode(rgb: &[u8]) -> Result<Vec<u8>, ChartError> {
    let encode_error = |error: png::EncodingError| ChartError::Encode(error.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(encode_error)?;
    writer.write_image_data(rgb).map_err(encode_error)?;
    writer.finish().map_err(encode_error)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A decoded chart: its size and its pixels, row by row.
    struct Picture {
        width: u32,
        height: u32,
        rgb: Vec<u8>,
    }

    impl Picture {
        fn decode(png_bytes: &[u8]) -> Picture {
            let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
            let mut reader = decoder.read_info().expect("the output is a PNG");
            let size = reader.output_buffer_size().expect("a sane buffer size");
            let mut rgb = vec![0; size];
            let frame = reader.next_frame(&mut rgb).expect("the PNG decodes");
            assert_eq!(frame.color_type, png::ColorType::Rgb);
            assert_eq!(frame.bit_depth, png::BitDepth::Eight);
            rgb.truncate(frame.buffer_size());
            Picture {
                width: frame.width,
                height: frame.height,
                rgb,
            }
        }

        fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
            let at = (y as usize * self.width as usize + x as usize) * 3;
            [self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]]
        }

        /// The points in `xs` x `ys` whose pixel passes `keep`.
        fn matching(
            &self,
            xs: Range<u32>,
            ys: Range<u32>,
            keep: impl Fn([u8; 3]) -> bool,
        ) -> Vec<(u32, u32)> {
            ys.flat_map(|y| xs.clone().map(move |x| (x, y)))
                .filter(|&(x, y)| keep(self.pixel(x, y)))
                .collect()
        }

        fn count_color(&self, xs: Range<u32>, ys: Range<u32>, color: RGBColor) -> usize {
            let want = [color.0, color.1, color.2];
            self.matching(xs, ys, |pixel| pixel == want).len()
        }
    }

    /// Columns surely inside the plot whatever the legend's width.
    fn plot_xs() -> Range<u32> {
        EDGE + Y_LABEL_AREA + 2..WIDTH - LEGEND_MAX_WIDTH - EDGE - 2
    }

    /// Rows surely inside the plot.
    fn plot_ys() -> Range<u32> {
        TITLE_BAND + 8..HEIGHT - X_LABEL_AREA - EDGE - 2
    }

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("a real date")
    }

    const SHIFTS: [&str; 10] = [
        "Solving to defining",
        "Depth to breadth",
        "Output to outcomes",
        "Tools to tradeoffs",
        "Execution to influence",
        "Certainty to ambiguity",
        "Contribution to system",
        "Skill to judgment",
        "Identity",
        "A tenth shift",
    ];

    /// `count` series over six months, each a different pattern of ratings.
    fn monthly(count: usize) -> Vec<Series> {
        (0..count)
            .map(|index| Series {
                label: SHIFTS[index].to_string(),
                points: (0..6u32)
                    .map(|month| {
                        let rating = 1 + ((index as u32 + month) % 5) as u8;
                        (date(2027, month + 1, 1), rating)
                    })
                    .collect(),
            })
            .collect()
    }

    fn one_point(label: &str, on: NaiveDate, rating: u8) -> Series {
        Series {
            label: label.to_string(),
            points: vec![(on, rating)],
        }
    }

    fn render(title: &str, series: &[Series]) -> Picture {
        Picture::decode(&progress_png(title, series).expect("the chart draws"))
    }

    #[test]
    fn the_output_is_a_png_of_the_promised_size() {
        let bytes = progress_png("Your progress", &monthly(3)).expect("the chart draws");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let picture = Picture::decode(&bytes);
        assert_eq!((picture.width, picture.height), (WIDTH, HEIGHT));
        assert_eq!(picture.rgb.len(), WIDTH as usize * HEIGHT as usize * 3);
        // A white background: the corners are untouched.
        for (x, y) in [
            (0, 0),
            (WIDTH - 1, 0),
            (0, HEIGHT - 1),
            (WIDTH - 1, HEIGHT - 1),
        ] {
            assert_eq!(picture.pixel(x, y), [255, 255, 255], "corner {x},{y}");
        }
    }

    #[test]
    fn every_line_shows_in_its_own_colour_inside_the_plot() {
        let picture = render("Progress", &monthly(MAX_SERIES));
        for (index, color) in PALETTE.iter().enumerate() {
            let count = picture.count_color(plot_xs(), plot_ys(), *color);
            assert!(
                count > 150,
                "series {index} has only {count} pixels in the plot"
            );
        }
        let inked = picture
            .matching(plot_xs(), plot_ys(), |pixel| pixel != [255, 255, 255])
            .len();
        let sparse = render("Progress", &[one_point("One", date(2027, 1, 1), 3)]);
        let sparse_inked = sparse
            .matching(plot_xs(), plot_ys(), |pixel| pixel != [255, 255, 255])
            .len();
        assert!(
            inked > sparse_inked + 9 * 500,
            "nine lines ink {inked} pixels, one marker {sparse_inked}"
        );
    }

    #[test]
    fn higher_ratings_are_drawn_higher() {
        let top = |series: &[Series], color: RGBColor| {
            let picture = render("", series);
            let want = [color.0, color.1, color.2];
            let ys: Vec<u32> = picture
                .matching(plot_xs(), plot_ys(), |pixel| pixel == want)
                .into_iter()
                .map(|(_, y)| y)
                .collect();
            assert!(!ys.is_empty(), "nothing drawn");
            ys.iter().sum::<u32>() / ys.len() as u32
        };
        let on = date(2027, 3, 1);
        let five = top(&[one_point("High", on, 5)], PALETTE[0]);
        let three = top(&[one_point("Middle", on, 3)], PALETTE[0]);
        let one = top(&[one_point("Low", on, 1)], PALETTE[0]);
        assert!(
            five < three && three < one,
            "rows: 5 at {five}, 3 at {three}, 1 at {one}"
        );
        // One rating step is a fifth of the plot's height, give or take the padding.
        let step = (one - five) / 4;
        let height = plot_ys().end - plot_ys().start;
        assert!(step > height / 6 && step < height / 4, "a step is {step}px");
    }

    #[test]
    fn a_single_point_draws_its_marker() {
        let picture = render("Progress", &[one_point("Only", date(2027, 5, 14), 4)]);
        let count = picture.count_color(plot_xs(), plot_ys(), PALETTE[0]);
        // A filled circle of radius 6 covers about a hundred pixels; no line drawn from it.
        assert!((60..200).contains(&count), "{count} pixels for one marker");
    }

    #[test]
    fn ratings_all_on_one_date_still_draw() {
        let on = date(2027, 1, 31);
        let series: Vec<Series> = (0..MAX_SERIES)
            .map(|index| one_point(SHIFTS[index], on, 1 + (index % 5) as u8))
            .collect();
        let picture = render("Progress", &series);
        let seen = PALETTE
            .iter()
            .filter(|color| picture.count_color(plot_xs(), plot_ys(), **color) > 20)
            .count();
        // Markers of the same rating overlap; most colours still show.
        assert!(seen >= 6, "only {seen} colours visible");
    }

    #[test]
    fn the_legend_lists_every_series_top_down_in_its_colour() {
        // Labels this short keep the legend at its narrowest, so its place is known.
        let mut series = monthly(MAX_SERIES);
        for (index, line) in series.iter_mut().enumerate() {
            line.label = format!("Shift {}", index + 1);
        }
        let picture = render("Progress", &series);
        let legend_xs = WIDTH - LEGEND_MIN_WIDTH..WIDTH;
        let legend_ys = TITLE_BAND..HEIGHT - X_LABEL_AREA;
        let mut last_row = 0;
        for (index, color) in PALETTE.iter().enumerate() {
            let want = [color.0, color.1, color.2];
            let hits = picture.matching(legend_xs.clone(), legend_ys.clone(), |p| p == want);
            assert!(
                hits.len() > 40,
                "legend entry {index}: {} pixels",
                hits.len()
            );
            let row = hits.iter().map(|&(_, y)| y).sum::<u32>() / hits.len() as u32;
            assert!(
                row > last_row,
                "legend entry {index} is not below the one before"
            );
            last_row = row;
        }
        // And its labels are text: dark pixels right of the swatches.
        let dark = picture
            .matching(legend_xs, legend_ys, |[r, g, b]| r < 90 && g < 90 && b < 90)
            .len();
        assert!(dark > 9 * 60, "legend text: {dark} dark pixels");
    }

    #[test]
    fn the_title_is_drawn_with_the_embedded_font() {
        let dark = |title: &str| {
            render(title, &monthly(2))
                .matching(0..WIDTH, 0..TITLE_BAND, |[r, g, b]| {
                    r < 90 && g < 90 && b < 90
                })
                .len()
        };
        let titled = dark("Self-ratings: Jan to Jun 2027");
        assert!(titled > 800, "title: {titled} dark pixels");
        assert_eq!(dark(""), 0, "an empty title leaves the band blank");
        assert_eq!(dark("   "), 0);
    }

    #[test]
    fn the_axes_are_labelled() {
        let picture = render("", &monthly(1));
        let dark = |xs: Range<u32>, ys: Range<u32>| {
            picture
                .matching(xs, ys, |[r, g, b]| r < 120 && g < 120 && b < 120)
                .len()
        };
        // The rotated "Self-rating (1-5)" and the 1..5 ticks, left of the plot.
        assert!(dark(0..EDGE + Y_LABEL_AREA - 2, plot_ys()) > 400);
        // The month ticks and "Month", under it.
        assert!(dark(plot_xs(), HEIGHT - X_LABEL_AREA - EDGE + 4..HEIGHT) > 400);
    }

    #[test]
    fn a_long_title_and_long_labels_are_cut_to_fit() {
        let long = "A label far too long to fit in the legend beside the chart, by a distance";
        let title = long.repeat(3);
        let picture = render(&title, &[one_point(long, date(2027, 2, 1), 2)]);
        // The plot keeps its room: nothing from the legend reaches into it.
        let dark = picture
            .matching(plot_xs(), plot_ys(), |[r, g, b]| r < 90 && g < 90 && b < 90)
            .len();
        assert_eq!(dark, 0, "legend text spilled into the plot");
        // The title stays inside the picture's margins.
        let title_ink = picture.matching(0..EDGE, 0..TITLE_BAND, |p| p != [255, 255, 255]);
        assert!(title_ink.is_empty(), "the title runs to the edge");
    }

    #[test]
    fn ten_series_are_too_many() {
        let error = progress_png("Progress", &monthly(10)).expect_err("ten lines");
        assert!(
            matches!(error, ChartError::TooManySeries { count: 10 }),
            "{error}"
        );
    }

    #[test]
    fn ratings_outside_one_to_five_are_refused() {
        for rating in [0, 6, u8::MAX] {
            let mut series = monthly(2);
            series[1].points.push((date(2027, 8, 1), rating));
            let error = progress_png("Progress", &series).expect_err("a bad rating");
            match error {
                ChartError::RatingOutOfRange {
                    label,
                    date: on,
                    rating: got,
                } => {
                    assert_eq!(label, SHIFTS[1]);
                    assert_eq!(on, date(2027, 8, 1));
                    assert_eq!(got, rating);
                }
                other => panic!("rating {rating}: {other}"),
            }
        }
        for rating in MIN_RATING..=MAX_RATING {
            progress_png("Progress", &[one_point("Fine", date(2027, 1, 1), rating)])
                .expect("ratings 1 to 5 draw");
        }
    }

    #[test]
    fn no_ratings_at_all_is_an_error() {
        let error = progress_png("Progress", &[]).expect_err("no series");
        assert!(matches!(error, ChartError::NoRatings), "{error}");
        let unrated = vec![
            Series {
                label: "Unrated".to_string(),
                points: Vec::new(),
            };
            3
        ];
        let error = progress_png("Progress", &unrated).expect_err("no points");
        assert!(matches!(error, ChartError::NoRatings), "{error}");
    }

    #[test]
    fn unrated_series_keep_their_place_beside_rated_ones() {
        let mut series = monthly(3);
        series[1].points.clear();
        let picture = render("Progress", &series);
        assert_eq!(picture.count_color(plot_xs(), plot_ys(), PALETTE[1]), 0);
        assert!(picture.count_color(plot_xs(), plot_ys(), PALETTE[2]) > 150);
    }

    #[test]
    fn the_month_axis_pads_and_labels_months() {
        // One date: the range widens around it and labels its month.
        let (range, months) = date_axis(&[one_point("One", date(2027, 1, 31), 3)]);
        assert!(range.start < date(2027, 1, 31) && range.end > date(2027, 1, 31));
        assert_eq!(months, vec![date(2027, 1, 31)]);

        // Two dates in one month: the month's first day is in range and labelled.
        let (range, months) = date_axis(&[Series {
            label: "Two".to_string(),
            points: vec![(date(2027, 3, 20), 2), (date(2027, 3, 28), 3)],
        }]);
        assert!(range.start < date(2027, 3, 1) && range.end > date(2027, 3, 28));
        assert_eq!(months.first(), Some(&date(2027, 3, 1)));

        // Two years of monthly ratings: at most six labels, all on the first of a month,
        // with the first and last dates inside the range but not on its edge.
        let long = Series {
            label: "Long".to_string(),
            points: (0..24u32)
                .map(|n| (date(2027 + (n / 12) as i32, n % 12 + 1, 1), 3))
                .collect(),
        };
        let (range, months) = date_axis(&[long]);
        assert!(range.start < date(2027, 1, 1) && range.end > date(2028, 12, 1));
        assert!((2..=MAX_MONTH_LABELS).contains(&months.len()), "{months:?}");
        assert!(months.iter().all(|month| month.day() == 1));
        assert!(months.iter().all(|month| range.contains(month)));
        // On calendar steps: two years of months are labelled every four months from January.
        let labelled: Vec<String> = months
            .iter()
            .map(|m| m.format("%b %Y").to_string())
            .collect();
        assert_eq!(
            labelled,
            [
                "Jan 2027", "May 2027", "Sep 2027", "Jan 2028", "May 2028", "Sep 2028"
            ]
        );

        // Ten years still fit, a label every other year.
        let decade = Series {
            label: "Decade".to_string(),
            points: vec![(date(2027, 1, 1), 1), (date(2036, 12, 1), 5)],
        };
        let (_, months) = date_axis(&[decade]);
        assert!((2..=MAX_MONTH_LABELS).contains(&months.len()), "{months:?}");
        assert!(
            months
                .iter()
                .all(|month| month.month() == 1 && month.year() % 2 == 0)
        );
    }

    #[test]
    fn month_labels_read_like_jan_2027() {
        assert_eq!(date(2027, 1, 1).format("%b %Y").to_string(), "Jan 2027");
    }

    /// Writes a sample chart to the path in `SHIFTCOACH_CHART_SAMPLE`, for a person to look at.
    #[test]
    fn sample_for_people() {
        let Ok(path) = std::env::var("SHIFTCOACH_CHART_SAMPLE") else {
            return;
        };
        let mut series = monthly(MAX_SERIES);
        series[8].points.truncate(1);
        series[7].label = "Individual contribution to system design".to_string();
        let bytes =
            progress_png("Alex's self-ratings, Jan to Jun 2027", &series).expect("the chart draws");
        std::fs::write(path, bytes).expect("the sample is written");
    }
}
