//! Controls as data: each file in `queries/` is one control (TOML) with its SOC 2
//! criteria, its targets and a CEL condition that holds when the control *fails*.
//! Loading validates every file (kinds, criteria, functions, attributes) and names
//! the file and line of the first fault.

pub mod asset_view;
pub mod cel_env;
pub mod evaluate;
pub mod fact_functions;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use auditgraph_model::schema::{Shape, Step};
use auditgraph_model::{calls, schema, AssetClass, AssetKind};
use cel::common::ast::{Expr, IdedExpr};
use cel::Program;
use serde::Deserialize;
use toml::Spanned;

use crate::data_file::{self, line_of, FileError};
use crate::findings::Severity;
use crate::frameworks;
use fact_functions::FactFunction;

/// A control, loaded and checked.
#[derive(Debug)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// The SOC 2 criteria it verifies, from `frameworks/soc2.toml`.
    pub criteria: Vec<String>,
    /// (framework, requirement) of every framework file that names it.
    pub mapped_to: Vec<(String, String)>,
    pub description: String,
    pub rationale: String,
    pub remediation: String,
    /// The asset kinds the control evaluates.
    pub targets: Vec<AssetKind>,
    /// Coverage (`service:Api`, `*` wildcards) the control needs; a gap makes it unknown.
    pub needs: Vec<String>,
    /// Which target assets the control is about (`None`: all of them). An asset
    /// it does not apply to is outside the control's population: not evaluated.
    pub applies_when: Option<Condition>,
    pub fails_when: String,
    pub program: Program,
    /// The fact functions the condition calls, whose evidence a failed check carries.
    pub facts_used: Vec<&'static FactFunction>,
    /// The `asset.attributes.X` fields the condition reads, shown as evidence.
    pub attributes_used: Vec<String>,
    pub file: PathBuf,
    /// SHA-256 of the control file as read (hex): which definition a result came from.
    pub digest: String,
}

/// The digest of a set of controls: each definition's digest and the framework
/// requirements it is mapped to, in id order.
pub fn digest_of(controls: &[Control]) -> String {
    let mut parts: Vec<(&str, &str, String)> = controls
        .iter()
        .map(|c| {
            let mapped: Vec<String> = c.mapped_to.iter().map(|(f, r)| format!("{f} {r}")).collect();
            (c.id.as_str(), c.digest.as_str(), mapped.join("\n"))
        })
        .collect();
    parts.sort();
    crate::digest::sha256_hex_of(parts.iter().flat_map(|(id, d, m)| [id.as_bytes(), d.as_bytes(), m.as_bytes()]))
}

/// A CEL condition over one asset, as written and as compiled.
#[derive(Debug)]
pub struct Condition {
    pub text: String,
    pub program: Program,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlFile {
    id: String,
    title: String,
    severity: Spanned<String>,
    /// Refused: a control's criteria are given in `frameworks/soc2.toml`.
    #[serde(default)]
    criteria: Option<Spanned<toml::Value>>,
    description: String,
    rationale: String,
    remediation: String,
    targets: Vec<Spanned<String>>,
    #[serde(default)]
    needs: Vec<Spanned<String>>,
    #[serde(default)]
    applies_when: Option<Spanned<String>>,
    fails_when: Spanned<String>,
}

impl Control {
    /// An ad hoc question (`query`) as a control over every asset, so that it is
    /// evaluated exactly as the scan evaluates controls: it "fails" where it holds.
    pub fn ad_hoc(expression: &str) -> Result<Control, (u32, String)> {
        let Checked { program, facts_used, attributes_used } = check_expression(expression, AssetKind::ALL)?;
        Ok(Control {
            id: "query".into(),
            title: "ad hoc query".into(),
            severity: Severity::Info,
            criteria: Vec::new(),
            mapped_to: Vec::new(),
            description: String::new(),
            rationale: String::new(),
            remediation: String::new(),
            targets: AssetKind::ALL.to_vec(),
            needs: Vec::new(),
            applies_when: None,
            fails_when: expression.to_string(),
            program,
            facts_used,
            attributes_used,
            file: PathBuf::new(),
            digest: String::new(),
        })
    }
}

/// A control file that cannot be used: where, and why.
pub type ControlError = FileError;

/// Loads every `*.toml` control in `dir`, in file-name order.
pub fn load_dir(dir: &Path) -> Result<Vec<Control>, ControlError> {
    let files = data_file::toml_files(dir, "controls")?;
    if files.is_empty() {
        return Err(ControlError { file: dir.to_path_buf(), line: 0, message: "no control (*.toml) files".into() });
    }
    let mut controls = Vec::new();
    let mut ids = BTreeSet::new();
    for (file, text) in files {
        let control = parse(&file, &text)?;
        if !ids.insert(control.id.clone()) {
            return Err(ControlError { file, line: 1, message: format!("duplicate control id `{}`", control.id) });
        }
        controls.push(control);
    }
    map_to_frameworks(&mut controls, &frameworks::dir_beside(dir))?;
    Ok(controls)
}

/// Gives each control the requirements the framework files map it to; a control
/// that maps to no SOC 2 criterion is refused.
fn map_to_frameworks(controls: &mut [Control], dir: &Path) -> Result<(), ControlError> {
    let ids: Vec<String> = controls.iter().map(|c| c.id.clone()).collect();
    let known: Vec<&str> = ids.iter().map(String::as_str).collect();
    let all = frameworks::load_dir(dir, Some(&known))?;
    for control in controls.iter_mut() {
        for framework in &all {
            for r in framework.requirements_of(&control.id) {
                control.mapped_to.push((framework.id.clone(), r.id.clone()));
                if framework.id == frameworks::SOC2 {
                    control.criteria.push(r.id.clone());
                }
            }
        }
        if control.criteria.is_empty() {
            return Err(ControlError {
                file: control.file.clone(),
                line: 1,
                message: format!(
                    "control `{}` maps to no SOC 2 criterion: name it under one in {}",
                    control.id,
                    dir.join("soc2.toml").display()
                ),
            });
        }
    }
    Ok(())
}

/// Parses and validates one control file.
pub fn parse(file: &Path, text: &str) -> Result<Control, ControlError> {
    let err = |offset: usize, message: String| ControlError {
        file: file.to_path_buf(),
        line: line_of(text, offset),
        message,
    };
    let raw: ControlFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        err(offset, e.message().to_string())
    })?;
    let severity: Severity = raw.severity.get_ref().parse().map_err(|m| err(raw.severity.span().start, m))?;
    if let Some(criteria) = &raw.criteria {
        return Err(err(
            criteria.span().start,
            "`criteria` is not given in a control: map it under its criteria in frameworks/soc2.toml".into(),
        ));
    }
    let mut targets = Vec::new();
    for t in &raw.targets {
        let name = t.get_ref();
        let kinds: Vec<AssetKind> = if let Some(class) = name.strip_prefix("class:") {
            let class = AssetClass::from_name(class)
                .ok_or_else(|| err(t.span().start, format!("unknown asset class `{class}`")))?;
            AssetKind::ALL.iter().copied().filter(|k| k.class() == class).collect()
        } else {
            vec![AssetKind::from_name(name)
                .ok_or_else(|| err(t.span().start, format!("unknown asset kind `{name}`")))?]
        };
        targets.extend(kinds);
    }
    targets.sort();
    targets.dedup();
    if targets.is_empty() {
        return Err(err(0, "a control targets at least one asset kind or class".into()));
    }

    let mut needs = Vec::new();
    for n in &raw.needs {
        check_need(n.get_ref()).map_err(|m| err(n.span().start, m))?;
        needs.push(n.get_ref().clone());
    }

    let compile = |expression: &Spanned<String>| {
        let start = expression.span().start;
        // Where the expression text begins in the file: after the opening quotes, and
        // the newline that a multi-line string drops.
        let quotes = text[start..].chars().take_while(|c| *c == '"' || *c == '\'').count();
        let mut expr_start = start + quotes;
        if quotes == 3 && text[expr_start..].starts_with('\n') {
            expr_start += 1;
        }
        check_expression(expression.get_ref(), &targets).map_err(|(line, message)| ControlError {
            file: file.to_path_buf(),
            line: line_of(text, expr_start) + line.saturating_sub(1) as usize,
            message,
        })
    };
    let applies_when = match &raw.applies_when {
        Some(expression) => {
            let checked = compile(expression)?;
            Some(Condition { text: expression.get_ref().clone(), program: checked.program })
        }
        None => None,
    };
    let checked = compile(&raw.fails_when)?;
    let Checked { program, facts_used, attributes_used } = checked;
    Ok(Control {
        id: raw.id,
        title: raw.title,
        severity,
        criteria: Vec::new(),
        mapped_to: Vec::new(),
        description: raw.description,
        rationale: raw.rationale,
        remediation: raw.remediation,
        targets,
        needs,
        applies_when,
        fails_when: raw.fails_when.get_ref().clone(),
        program,
        facts_used,
        attributes_used,
        file: file.to_path_buf(),
        digest: crate::digest::sha256_hex(text.as_bytes()),
    })
}

/// That a `needs` pattern names calls some provider records: a misspelt or stale
/// name would never meet a coverage gap, and a denied API would read as a pass.
fn check_need(pattern: &str) -> Result<(), String> {
    if calls::CALLS.iter().any(|(_, service, api)| calls::pattern_covers(pattern, service, api)) {
        return Ok(());
    }
    let service = pattern.split_once(':').map_or(pattern, |(s, _)| s);
    let same_service: Vec<&str> =
        calls::CALLS.iter().filter(|(_, s, _)| s.eq_ignore_ascii_case(service)).map(|(_, _, api)| *api).collect();
    let known = if same_service.is_empty() {
        let mut services: Vec<&str> = calls::CALLS.iter().map(|(_, s, _)| *s).collect();
        services.dedup();
        format!("no provider records service `{service}` (services: {})", services.join(", "))
    } else {
        format!("{service} records {}", same_service.join(", "))
    };
    Err(format!("`needs` names `{pattern}`, a call no provider records: {known}"))
}

/// An expression that compiled and names only known functions, variables and fields.
pub struct Checked {
    pub program: Program,
    pub facts_used: Vec<&'static FactFunction>,
    pub attributes_used: Vec<String>,
}

/// Compiles a CEL expression over assets of `targets` and checks every function,
/// variable, asset field and attribute it names. Errors carry the line within the
/// expression.
pub fn check_expression(source: &str, targets: &[AssetKind]) -> Result<Checked, (u32, String)> {
    // Parsing and checking recurse once per level of the tree, and a tree is only
    // known to be shallow once parsed: that happens on a thread with room to recurse.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, || check_on_this_thread(source, targets))
            .map_err(|e| (1, format!("cannot start the expression checker: {e}")))?
            .join()
            .unwrap_or_else(|_| Err((1, "the expression checker failed".into())))
    })
}

fn check_on_this_thread(source: &str, targets: &[AssetKind]) -> Result<Checked, (u32, String)> {
    if source.len() > MAX_EXPRESSION_BYTES {
        return Err((
            1,
            format!("the expression is {} bytes; a control may have {MAX_EXPRESSION_BYTES}", source.len()),
        ));
    }
    let program = cel_env::env().compile(source).map_err(|e| {
        let first = e.errors.first();
        (
            first.map(|x| x.pos.0.max(1) as u32).unwrap_or(1),
            format!("invalid CEL: {}", first.map(|x| parser_message(&x.msg)).unwrap_or_default()),
        )
    })?;
    let depth = depth(program.expression());
    if depth > MAX_DEPTH {
        return Err((1, format!("the expression nests {depth} deep; a control may nest {MAX_DEPTH}")));
    }
    let cost = cost(program.expression(), &mut Vec::new());
    if cost > MAX_COST {
        return Err((
            1,
            format!(
                "the expression may take about {cost:.0} steps per asset (nested loops over lists that do not \
                 come from one another); a control may take {MAX_COST:.0}"
            ),
        ));
    }
    let mut facts_used = Vec::new();
    let mut attributes_used = Vec::new();
    let mut problems = Vec::new();
    let vars = loop_variable_paths(program.expression());
    walk(program.expression(), &mut |e: &IdedExpr| match &e.expr {
        Expr::Call(call) => {
            let name = call.func_name.as_str();
            if let Some(f) = fact_functions::find(name) {
                facts_used.push(f);
            } else if !cel_env::is_known_function(name) {
                problems.push((e.id, format!("unknown function `{name}`")));
            }
            if let Some(problem) = mismatched_comparison(call, targets, &vars) {
                problems.push((e.id, problem));
            }
        }
        Expr::Select(sel) if is_attributes(e) || is_attributes(&sel.operand) => {
            // `asset.attributes` and its direct fields: checked below with the header.
            check_header_select(e, sel, targets, &mut attributes_used, &mut problems);
        }
        Expr::Select(sel) => {
            match traced_select(e, targets, &vars) {
                Traced::Known => {}
                Traced::Wrong(problem) => problems.push((e.id, problem)),
                Traced::Untraceable => {
                    let rooted_in_a_variable = match &sel.operand.expr {
                        Expr::Ident(r) => r != "asset" && is_bound(program.expression(), r),
                        _ => true,
                    };
                    if rooted_in_a_variable && !under_map_field(&sel.operand) && !nested_name_known(&sel.field) {
                        problems.push((e.id, unknown_nested_field(&sel.field)));
                    }
                }
            }
            check_header_select(e, sel, targets, &mut attributes_used, &mut problems);
        }
        Expr::Ident(name) if !cel_env::VARIABLES.contains(&name.as_str()) && !is_bound(program.expression(), name) => {
            problems.push((e.id, format!("unknown variable `{name}` (known: {})", cel_env::VARIABLES.join(", "))));
        }
        _ => {}
    });
    if let Some((id, message)) = problems.into_iter().next() {
        return Err((line_in(source, &program, id), message));
    }
    facts_used.sort_by_key(|f| f.name);
    facts_used.dedup_by_key(|f| f.name);
    attributes_used.sort();
    attributes_used.dedup();
    Ok(Checked { program, facts_used, attributes_used })
}

/// Bounds that keep one control from exhausting the stack or the scan's time.
const MAX_EXPRESSION_BYTES: usize = 16 * 1024;
const PARSER_STACK_BYTES: usize = 256 * 1024 * 1024;
const MAX_DEPTH: usize = 64;
const MAX_COST: f64 = 200_000.0;
/// What a loop over data (rather than a literal list) is assumed to visit: more
/// than a policy of the largest size IAM allows has statements or actions.
const DATA_LIST_LEN: f64 = 1_000.0;

/// The parser's own words from its error, without the debug dump around them
/// (`OtherError(ParseError { .. msg: "Recursion limit of 96 exceeded" .. })`).
fn parser_message(raw: &str) -> String {
    match raw.split_once("msg: \"").and_then(|(_, rest)| rest.split_once('"')) {
        Some((msg, _)) => msg.to_string(),
        None => raw.to_string(),
    }
}

/// How deep the expression tree nests.
fn depth(e: &IdedExpr) -> usize {
    let mut deepest = 0;
    children(e, &mut |c| deepest = deepest.max(depth(c)));
    deepest + 1
}

/// An upper estimate of the steps one evaluation takes: a loop multiplies the cost
/// of its body by its list's length (a literal list's own, `DATA_LIST_LEN` for
/// data) unless the list comes from an enclosing loop's element (`s.Action` inside
/// a loop over statements), whose elements that outer loop already counted.
fn cost(e: &IdedExpr, loop_vars: &mut Vec<String>) -> f64 {
    match &e.expr {
        Expr::Comprehension(c) => {
            let from_enclosing = mentions_any(&c.iter_range, loop_vars);
            let length = match &c.iter_range.expr {
                Expr::List(l) => l.elements.len().max(1) as f64,
                _ if from_enclosing => 1.0,
                _ => DATA_LIST_LEN,
            };
            let outside = cost(&c.iter_range, loop_vars) + cost(&c.accu_init, loop_vars) + cost(&c.result, loop_vars);
            loop_vars.push(c.iter_var.clone());
            let body = cost(&c.loop_cond, loop_vars) + cost(&c.loop_step, loop_vars);
            loop_vars.pop();
            outside + length * body
        }
        _ => {
            let mut total = 1.0;
            children(e, &mut |c| total += cost(c, loop_vars));
            total
        }
    }
}

/// Whether an expression reads any of these variables.
fn mentions_any(e: &IdedExpr, names: &[String]) -> bool {
    let mut found = false;
    walk(e, &mut |x| found |= matches!(&x.expr, Expr::Ident(n) if names.contains(n)));
    found
}

/// Whether an expression is `asset.attributes`.
fn is_attributes(e: &IdedExpr) -> bool {
    matches!(&e.expr, Expr::Select(s) if s.field == "attributes" && matches!(&s.operand.expr, Expr::Ident(r) if r == "asset"))
}

/// Whether an expression reads from inside a map whose keys are data (`s.Condition`,
/// `asset.tags`), where any name may follow.
fn under_map_field(e: &IdedExpr) -> bool {
    match &e.expr {
        Expr::Select(s) => schema::MAP_FIELDS.contains(&s.field.as_str()) || under_map_field(&s.operand),
        Expr::Call(c) if c.func_name == "_[_]" => c.args.first().is_some_and(under_map_field),
        _ => false,
    }
}

/// Whether a name selected below an attribute is a field of some typed value the
/// model holds (an attribute of any kind, or a field of a nested type).
fn nested_name_known(name: &str) -> bool {
    schema::nested_names().contains(name) || AssetKind::ALL.iter().any(|k| k.attribute_fields().contains(&name))
}

fn unknown_nested_field(name: &str) -> String {
    let close: Vec<&str> = schema::nested_names()
        .iter()
        .copied()
        .filter(|known| known.eq_ignore_ascii_case(name) || similar(known, name))
        .collect();
    let hint = if close.is_empty() { String::new() } else { format!(" (did you mean {}?)", close.join(", ")) };
    format!("unknown field `{name}`: no value in the model has it{hint}")
}

/// Names one edit apart, or one a prefix of the other by a letter (`Actions`, `Action`).
fn similar(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.to_lowercase().chars().collect(), b.to_lowercase().chars().collect());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        match a.len().cmp(&b.len()) {
            std::cmp::Ordering::Greater => i += 1,
            std::cmp::Ordering::Less => j += 1,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}

/// Where an expression reads inside `asset.attributes`, as a path of fields and
/// list elements, when it can be followed (through loop variables too).
fn attribute_path(e: &IdedExpr, vars: &HashMap<String, Vec<Step>>) -> Option<Vec<Step>> {
    if is_attributes(e) {
        return Some(Vec::new());
    }
    match &e.expr {
        Expr::Select(s) => {
            let mut path = attribute_path(&s.operand, vars)?;
            path.push(Step::Field(s.field.clone()));
            Some(path)
        }
        Expr::Ident(name) => vars.get(name).cloned(),
        Expr::Call(c) if c.func_name == "_[_]" => {
            let mut path = attribute_path(c.args.first()?, vars)?;
            path.push(Step::Element);
            Some(path)
        }
        _ => None,
    }
}

/// The path each loop variable stands for: an element of the list it ranges over.
fn loop_variable_paths(root: &IdedExpr) -> HashMap<String, Vec<Step>> {
    let mut vars = HashMap::new();
    // Outer loops are visited before the loops inside them, whose ranges use them.
    walk(root, &mut |e| {
        if let Expr::Comprehension(c) = &e.expr {
            if let Some(mut path) = attribute_path(&c.iter_range, &vars) {
                path.push(Step::Element);
                vars.insert(c.iter_var.clone(), path);
            }
        }
    });
    vars
}

/// What following a selection through the typed model found.
enum Traced {
    /// A field some target kind has (or one whose shape the data sets).
    Known,
    Wrong(String),
    /// Not rooted in the attributes, or below a value shaped by the data.
    Untraceable,
}

fn traced_select(e: &IdedExpr, targets: &[AssetKind], vars: &HashMap<String, Vec<Step>>) -> Traced {
    let Some(path) = attribute_path(e, vars) else { return Traced::Untraceable };
    let shapes: Vec<Shape> = targets.iter().map(|k| k.attribute_shape(&path)).collect();
    let fits = |s: &Shape| !matches!(s, Shape::NoSuchField { .. } | Shape::NotAContainer { .. });
    if shapes.iter().any(|s| fits(s) && *s != Shape::Any) {
        return Traced::Known;
    }
    if shapes.iter().any(fits) {
        return Traced::Untraceable;
    }
    let shown = |upto: usize| -> String {
        let mut text = "asset.attributes".to_string();
        for step in &path[..upto] {
            match step {
                Step::Field(f) => text.push_str(&format!(".{f}")),
                Step::Element => text.push_str("[]"),
            }
        }
        text
    };
    Traced::Wrong(match &shapes[0] {
        Shape::NoSuchField { at, fields } => {
            let Step::Field(name) = &path[*at] else { unreachable!("a field step") };
            format!("unknown field `{name}` of `{}` (it has {})", shown(*at), fields.join(", "))
        }
        Shape::NotAContainer { at } => format!("`{}` has no fields or elements to select", shown(*at)),
        _ => unreachable!("only misfits are left"),
    })
}

/// A comparison of an attribute with a literal of another type (`encrypted ==
/// "false"`), which CEL evaluates to false on every asset instead of an error.
fn mismatched_comparison(
    call: &cel::common::ast::CallExpr,
    targets: &[AssetKind],
    vars: &HashMap<String, Vec<Step>>,
) -> Option<String> {
    use cel::common::ast::LiteralValue as L;
    const COMPARISONS: [&str; 6] = ["_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_"];
    if !COMPARISONS.contains(&call.func_name.as_str()) || call.args.len() != 2 {
        return None;
    }
    let (path, literal) = match (&call.args[0].expr, &call.args[1].expr) {
        (Expr::Literal(l), _) => (attribute_path(&call.args[1], vars)?, l),
        (_, Expr::Literal(l)) => (attribute_path(&call.args[0], vars)?, l),
        _ => return None,
    };
    let (literal_shape, literal_name) = match literal {
        L::Boolean(_) => (Shape::Bool, "a boolean"),
        L::Int(_) | L::UInt(_) | L::Double(_) => (Shape::Number, "a number"),
        L::String(_) => (Shape::Text, "a string"),
        L::Null | L::Bytes(_) => return None,
    };
    let shapes: Vec<Shape> = targets.iter().map(|k| k.attribute_shape(&path)).collect();
    let definite: Vec<&Shape> =
        shapes.iter().filter(|s| matches!(s, Shape::Bool | Shape::Number | Shape::Text)).collect();
    if definite.is_empty() || shapes.iter().any(|s| *s == literal_shape || *s == Shape::Any) {
        return None;
    }
    let name = match definite[0] {
        Shape::Bool => "a boolean",
        Shape::Number => "a number",
        _ => "text",
    };
    Some(format!(
        "compares an attribute that is {name} with {literal_name}, which is never equal: write the literal as {name}"
    ))
}

/// The checks of `asset.X` and `asset.attributes.X`: a header field, an attribute
/// of some target kind (noted as used).
fn check_header_select(
    e: &IdedExpr,
    sel: &cel::common::ast::SelectExpr,
    targets: &[AssetKind],
    attributes_used: &mut Vec<String>,
    problems: &mut Vec<(u64, String)>,
) {
    if let Expr::Ident(root) = &sel.operand.expr {
        if root == "asset" && !cel_env::HEADER_FIELDS.contains(&sel.field.as_str()) {
            problems.push((
                e.id,
                format!("unknown asset field `{}` (asset has {})", sel.field, cel_env::HEADER_FIELDS.join(", ")),
            ));
        }
    }
    if let Expr::Select(inner) = &sel.operand.expr {
        if matches!(&inner.operand.expr, Expr::Ident(r) if r == "asset") && inner.field == "attributes" {
            if targets.iter().any(|k| k.attribute_fields().contains(&sel.field.as_str())) {
                attributes_used.push(sel.field.clone());
            } else {
                let kinds: Vec<&str> = targets.iter().map(|k| k.as_str()).collect();
                let whom = if kinds.len() > 6 { "any asset kind".to_string() } else { kinds.join(", ") };
                problems.push((e.id, format!("unknown attribute `{}` for {whom}", sel.field)));
            }
        }
    }
}

/// The 1-based line, within the expression, where node `id` starts.
fn line_in(source: &str, program: &Program, id: u64) -> u32 {
    let offset = program.source_info().offset_for(id).map(|(start, _)| start as usize).unwrap_or(0);
    source.get(..offset).unwrap_or(source).matches('\n').count() as u32 + 1
}

/// Whether `name` is bound by a comprehension (`x` in `list.exists(x, ...)`).
fn is_bound(root: &IdedExpr, name: &str) -> bool {
    let mut bound = false;
    walk(root, &mut |e| {
        if let Expr::Comprehension(c) = &e.expr {
            if c.iter_var == name || c.accu_var == name || c.iter_var2.as_deref() == Some(name) {
                bound = true;
            }
        }
    });
    bound
}

/// Visits every node of an expression.
fn walk(e: &IdedExpr, visit: &mut dyn FnMut(&IdedExpr)) {
    visit(e);
    children(e, &mut |c| walk(c, visit));
}

/// Visits the direct children of a node.
fn children(e: &IdedExpr, visit: &mut dyn FnMut(&IdedExpr)) {
    use cel::common::ast::EntryExpr;
    let mut entry = |x: &cel::common::ast::IdedEntryExpr| match &x.expr {
        EntryExpr::StructField(f) => visit(&f.value),
        EntryExpr::MapEntry(m) => {
            visit(&m.key);
            visit(&m.value);
        }
    };
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                visit(t);
            }
            for a in &c.args {
                visit(a);
            }
        }
        Expr::Comprehension(c) => {
            for x in [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result] {
                visit(x);
            }
        }
        Expr::List(l) => {
            for x in &l.elements {
                visit(x);
            }
        }
        Expr::Select(s) => visit(&s.operand),
        Expr::Map(m) => m.entries.iter().for_each(&mut entry),
        Expr::Struct(s) => s.entries.iter().for_each(&mut entry),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"id = "t"
title = "T"
severity = "high"
# its criteria: in frameworks/soc2.toml
description = "d"
rationale = "r"
remediation = "m"
targets = ["aws_rds_instance"]
fails_when = '''
asset.attributes.publicly_accessible
  && !asset.attributes.storage_encrypted
'''
"#;

    fn error(text: &str) -> ControlError {
        parse(Path::new("queries/t.toml"), text).expect_err("the control should be refused")
    }

    #[test]
    fn a_good_control_loads_with_what_it_reads() {
        let c = parse(Path::new("queries/t.toml"), GOOD).unwrap();
        assert_eq!(c.attributes_used, vec!["publicly_accessible", "storage_encrypted"]);
        assert_eq!(c.targets, vec![AssetKind::AwsRdsInstance]);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = error(&GOOD.replace(r#"["aws_rds_instance"]"#, r#"["aws_rds_instanse"]"#));
        assert_eq!((e.line, e.to_string().starts_with("queries/t.toml:8:")), (8, true), "{e}");
        assert!(e.message.contains("unknown asset kind `aws_rds_instanse`"), "{e}");

        let e = error(&GOOD.replace("# its criteria: in frameworks/soc2.toml", r#"criteria = ["CC6.1"]"#));
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("map it under its criteria in frameworks/soc2.toml"), "{e}");

        let e = error(&GOOD.replace("!asset.attributes.storage_encrypted", "!asset.attributes.storage_encryption"));
        assert_eq!(e.line, 11, "{e}");
        assert!(e.message.contains("unknown attribute `storage_encryption`"), "{e}");

        let e = error(&GOOD.replace("&& !asset", "&& exposed(asset) && !asset"));
        assert_eq!(e.line, 11, "{e}");
        assert!(e.message.contains("unknown function `exposed`"), "{e}");

        let e = error(&GOOD.replace("asset.attributes.publicly_accessible", "assets.attributes.publicly_accessible"));
        assert_eq!(e.line, 10, "{e}");
        assert!(e.message.contains("unknown variable `assets`"), "{e}");

        let policy_control = |condition: &str| {
            GOOD.replace(r#"["aws_rds_instance"]"#, r#"["aws_iam_policy"]"#)
                .replace("asset.attributes.publicly_accessible\n  && !asset.attributes.storage_encrypted", condition)
        };
        let e = error(&policy_control("asset.attributes.document.Statement.exists(s, has(s.Actions))"));
        assert!(e.message.contains("unknown field `Actions`") && e.message.contains("did you mean Action"), "{e}");
        let e = error(&policy_control("asset.attributes.document.Statment.size() > 0"));
        assert!(e.message.contains("unknown field `Statment`"), "{e}");
        let ok = "asset.attributes.document.Statement.exists(s, has(s.Condition) && has(s.Condition.Bool) \
                  && s.Condition.Bool['aws:SecureTransport'] == 'false' && s.Condition.StringEquals.foo == 'x')";
        parse(Path::new("queries/t.toml"), &policy_control(ok)).unwrap();

        let e = error(&policy_control(
            "asset.attributes.document.Statement.exists(s, \
             asset.attributes.document.Statement.exists(t, s == t && t.Effect == 'Deny'))",
        ));
        assert!(e.message.contains("steps per asset"), "{e}");
        let literal = (0..6).fold("a0 > 0".to_string(), |body, i| format!("[1,2,3,4,5,6,7,8,9,10].all(a{i}, {body})"));
        assert!(error(&policy_control(&literal)).message.contains("steps per asset"));
        let deep = format!("{}true{}", "(".repeat(200), ")".repeat(200));
        let e = error(&policy_control(&deep));
        assert!(e.message.starts_with("invalid CEL: Recursion limit") && !e.message.contains("ParseError"), "{e}");
        let nested = format!("size({}1{}) > 0", "[".repeat(70), "]".repeat(70));
        let e = error(&policy_control(&nested));
        assert!(e.message.contains("deep; a control may nest 64"), "{e}");
        let huge = vec!["asset.name == 'x'"; 2000].join(" || ");
        assert!(error(&policy_control(&huge)).message.contains("bytes"));

        let e = error(
            &GOOD.replace("!asset.attributes.storage_encrypted", "asset.attributes.storage_encrypted == 'false'"),
        );
        assert!(e.message.contains("a boolean with a string"), "{e}");
        let e = error(&GOOD.replace("!asset.attributes.storage_encrypted", "asset.attributes.port > '5432'"));
        assert!(e.message.contains("a number with a string"), "{e}");
        let lb = |condition: &str| {
            GOOD.replace(r#"["aws_rds_instance"]"#, r#"["aws_load_balancer"]"#)
                .replace("asset.attributes.publicly_accessible\n  && !asset.attributes.storage_encrypted", condition)
        };
        let e = error(&lb("asset.attributes.listeners.exists(l, l.protocoll == 'HTTP')"));
        assert!(e.message.contains("unknown field `protocoll` of `asset.attributes.listeners[]` (it has"), "{e}");
        let e = error(&lb("asset.attributes.listeners.exists(l, l.port == '80')"));
        assert!(e.message.contains("a number with a string"), "{e}");
        parse(
            Path::new("queries/t.toml"),
            &lb("asset.attributes.listeners.exists(l, l.protocol == 'HTTP' && l.port == 80)"),
        )
        .unwrap();

        let e = error(&GOOD.replace("&& !asset", "&& !!(asset"));
        assert!(e.message.starts_with("invalid CEL"), "{e}");

        let e = error(&GOOD.replace(r#"severity = "high""#, r#"severity = "urgent""#));
        assert_eq!(e.line, 3, "{e}");

        let e = error(&GOOD.replace("rationale", "rational"));
        assert_eq!(e.line, 6, "{e}");

        let e = error(
            &GOOD
                .replace("fails_when", "needs = [\"rds:DescribeDBInstances\", \"rds:DescribeDBInstance\"]\nfails_when"),
        );
        assert_eq!(e.line, 9, "{e}");
        assert!(e.message.contains("`rds:DescribeDBInstance`, a call no provider records: rds records"), "{e}");
        let e = error(&GOOD.replace("fails_when", "needs = [\"rsd:*\"]\nfails_when"));
        assert!(e.message.contains("no provider records service `rsd`"), "{e}");
        let ok = GOOD.replace("fails_when", "needs = [\"rds:*\", \"ec2:DescribeVpcs\", \"s3:GetBucket*\"]\nfails_when");
        assert_eq!(parse(Path::new("queries/t.toml"), &ok).unwrap().needs.len(), 3);
    }
}
