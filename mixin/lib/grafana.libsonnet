// Builders for the Grafana JSON model our dashboards use: one shape per panel type, Prometheus
// targets on the $datasource variable, and a flowing grid layout that assigns positions and ids.
local datasource = { type: 'prometheus', uid: '${datasource}' };

// [[color, value], ...] -> an absolute threshold steps object (the first value is null: the base).
local steps(list) = {
  mode: 'absolute',
  steps: [{ color: s[0], value: s[1] } for s in list],
};

// [[value, text, color], ...] -> one value mapping; index follows the order given.
local valueMap(list) = [{
  type: 'value',
  options: {
    [list[i][0]]: { text: list[i][1], color: list[i][2], index: i }
    for i in std.range(0, std.length(list) - 1)
  },
}];

local reduceLast = { calcs: ['lastNotNull'], fields: '', values: false };

{
  steps:: steps,
  valueMap:: valueMap,

  // A range query drawn over time.
  range(expr, legend):: { datasource: datasource, expr: expr, legendFormat: legend, range: true, instant: false },
  // An instant query (stats, tables, bar gauges); format 'table' or 'heatmap' where a panel needs it.
  instant(expr, legend='', format=null)::
    { datasource: datasource, expr: expr, legendFormat: legend, range: false, instant: true }
    + (if format == null then {} else { format: format }),

  // Fields every panel has; refIds A, B, ... follow the order of the targets.
  local panel(type, title, description, targets, w, h) = {
    type: type,
    title: title,
    description: description,
    datasource: datasource,
    gridPos: { w: w, h: h },
    targets: [
      targets[i] { refId: std.char(std.codepoint('A') + i) }
      for i in std.range(0, std.length(targets) - 1)
    ],
  },

  row(title):: { type: 'row', title: title, collapsed: false, panels: [], gridPos: { w: 24, h: 1 } },

  // A single number, coloured by thresholds (and mapped to words by mappings).
  stat(title, description, expr, unit='none', thresholds=[['green', null]], mappings=[], w=4, h=4)::
    panel('stat', title, description, [self.instant(expr)], w, h) {
      fieldConfig: {
        defaults: { unit: unit, color: { mode: 'thresholds' }, mappings: mappings, thresholds: steps(thresholds) },
        overrides: [],
      },
      options: {
        reduceOptions: reduceLast,
        colorMode: 'background',
        graphMode: 'none',
        textMode: 'value',
        justifyMode: 'auto',
        orientation: 'auto',
      },
    },

  // Lines over time with a table legend (last and max); step=true for values that jump.
  timeseries(title, description, targets, unit='none', min=0, max=null, step=false, w=12, h=8)::
    panel('timeseries', title, description, targets, w, h) {
      fieldConfig: {
        defaults: {
          unit: unit,
          min: min,
          color: { mode: 'palette-classic' },
          custom: {
            drawStyle: 'line',
            lineWidth: 1,
            fillOpacity: 10,
            showPoints: 'never',
            spanNulls: false,
            lineInterpolation: if step then 'stepAfter' else 'linear',
            stacking: { mode: 'none', group: 'A' },
          },
          thresholds: steps([['green', null]]),
        } + (if max == null then {} else { max: max }),
        overrides: [],
      },
      options: {
        legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['lastNotNull', 'max'] },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },

  // Bands of state over time: a series per row, coloured by value (mappings) or by series.
  stateTimeline(title, description, targets, mappings=[], thresholds=null, w=12, h=8)::
    panel('state-timeline', title, description, targets, w, h) {
      fieldConfig: {
        defaults: {
          unit: 'none',
          color: { mode: if thresholds == null then 'palette-classic' else 'thresholds' },
          mappings: mappings,
          custom: { lineWidth: 0, fillOpacity: 80 },
          thresholds: steps(if thresholds == null then [['green', null]] else thresholds),
        },
        overrides: [],
      },
      options: {
        showValue: 'never',
        mergeValues: true,
        alignValue: 'left',
        rowHeight: 0.9,
        legend: { displayMode: 'list', placement: 'bottom', showLegend: false },
        tooltip: { mode: 'single', sort: 'none' },
      },
    },

  // Instant table queries joined by Grafana transformations; overrides style single columns;
  // sortDescBy names the column sorted largest first.
  table(title, description, targets, transformations, overrides=[], unit='none', sortDescBy=null, w=24, h=8)::
    panel('table', title, description, targets, w, h) {
      fieldConfig: {
        defaults: {
          unit: unit,
          custom: { align: 'auto', filterable: true, cellOptions: { type: 'auto' } },
          thresholds: steps([['green', null]]),
        },
        overrides: overrides,
      },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: { show: false, reducer: ['sum'], fields: '' },
        sortBy: if sortDescBy == null then [] else [{ desc: true, displayName: sortDescBy }],
      },
      transformations: transformations,
    },

  // Vertical bars of one instant query (a histogram's buckets).
  barGauge(title, description, targets, unit='none', w=12, h=8)::
    panel('bargauge', title, description, targets, w, h) {
      fieldConfig: {
        defaults: { unit: unit, min: 0, color: { mode: 'thresholds' }, thresholds: steps([['blue', null]]) },
        overrides: [],
      },
      options: {
        orientation: 'vertical',
        displayMode: 'basic',
        showUnfilled: true,
        valueMode: 'color',
        namePlacement: 'auto',
        reduceOptions: reduceLast,
        minVizHeight: 16,
        minVizWidth: 8,
        sizing: 'auto',
      },
    },

  // The `organize` transformation of a table: columns [[field, header], ...] in that order, the
  // fields in `hide` left out.
  organize(columns, hide=['Time'])::
    {
      id: 'organize',
      options: {
        excludeByName: { [f]: true for f in hide },
        indexByName: { [columns[i][0]]: i for i in std.range(0, std.length(columns) - 1) },
        renameByName: { [c[0]]: c[1] for c in columns },
      },
    },

  // An annotation from a Prometheus query: an event marker wherever the query has a value, at the
  // step given; title and text are legend-style templates of the series' labels.
  prometheusAnnotation(name, color, expr, title, text, tagKeys, step='1m'):: {
    name: name,
    datasource: datasource,
    enable: true,
    hide: false,
    iconColor: color,
    expr: expr,
    step: step,
    titleFormat: title,
    textFormat: text,
    tagKeys: tagKeys,
    useValueForTime: false,
  },

  // Column overrides for tables: a unit, threshold colours, or value mappings on one named column.
  columnUnit(name, unit):: { matcher: { id: 'byName', options: name }, properties: [{ id: 'unit', value: unit }] },
  columnThresholds(name, thresholds):: {
    matcher: { id: 'byName', options: name },
    properties: [
      { id: 'thresholds', value: steps(thresholds) },
      { id: 'custom.cellOptions', value: { type: 'color-background' } },
    ],
  },
  columnMappings(name, mappings):: {
    matcher: { id: 'byName', options: name },
    properties: [
      { id: 'mappings', value: mappings },
      { id: 'custom.cellOptions', value: { type: 'color-text' } },
    ],
  },


  // The Prometheus datasource picker every query goes through.
  datasourceVariable(description):: {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    hide: 0,
    refresh: 1,
    regex: '',
    skipUrlSync: false,
    options: [],
    description: description,
    // Imported from the file, Grafana replaces ${DS_PROMETHEUS} with the datasource picked for the
    // __inputs entry; provisioned, the value names no datasource and the default one is used.
    current: { selected: true, text: '${DS_PROMETHEUS}', value: '${DS_PROMETHEUS}' },
  },

  // A multi-value label_values() variable whose All matches anything, series without the label too.
  queryVariable(name, label, query, description):: {
    name: name,
    label: label,
    type: 'query',
    datasource: datasource,
    query: query,
    includeAll: true,
    allValue: '.*',
    multi: true,
    current: { text: ['All'], value: ['$__all'] },
    refresh: 2,
    sort: 1,
    hide: 0,
    regex: '',
    skipUrlSync: false,
    options: [],
    description: description,
  },

  // Panel types the dashboards use, with the names grafana.com lists them by (__requires).
  local panelNames = {
    bargauge: 'Bar gauge',
    stat: 'Stat',
    'state-timeline': 'State timeline',
    table: 'Table',
    timeseries: 'Time series',
  },

  // The dashboard around the panels: a dropdown linking every dashboard tagged linkTag, shared
  // crosshair, the last 6 hours refreshed every 30 s, the annotations given beside Grafana's own.
  // __inputs and __requires make the file importable as grafana.com dashboards are: the import
  // dialog asks for a Prometheus datasource and names the Grafana version and panels it needs.
  dashboard(uid, title, description, tags, linkTag, variables, panels, annotations=[]):: {
    __inputs: [{
      name: 'DS_PROMETHEUS',
      label: 'Prometheus',
      description: 'Prometheus server that scrapes migration_exporter',
      type: 'datasource',
      pluginId: 'prometheus',
      pluginName: 'Prometheus',
    }],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.3.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
    ] + [
      { type: 'panel', id: type, name: panelNames[type], version: '' }
      for type in std.set([p.type for p in panels if p.type != 'row'])
    ],
    uid: uid,
    title: title,
    description: description,
    tags: tags,
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    timezone: '',
    fiscalYearStartMonth: 0,
    liveNow: false,
    timepicker: {},
    weekStart: '',
    links: [{
      title: 'migration_exporter dashboards',
      type: 'dashboards',
      tags: [linkTag],
      asDropdown: true,
      includeVars: true,
      keepTime: true,
      icon: 'external link',
      targetBlank: false,
      tooltip: '',
      url: '',
    }],
    annotations: {
      list: [{
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      }] + annotations,
    },
    templating: { list: variables },
    panels: $.layout(panels),
  },

  // Places panels left to right, wrapping at the 24-column width (a row always starts a new line),
  // and numbers them 1, 2, ... in that order.
  layout(panels)::
    local place(state, p) =
      local wrap = p.type == 'row' || state.x + p.gridPos.w > 24;
      local x = if wrap then 0 else state.x;
      local y = if wrap then state.y + state.lineHeight else state.y;
      {
        x: x + p.gridPos.w,
        y: y,
        lineHeight: if wrap then p.gridPos.h else std.max(state.lineHeight, p.gridPos.h),
        panels: state.panels + [p { id: std.length(state.panels) + 1, gridPos+: { x: x, y: y } }],
      };
    std.foldl(place, panels, { x: 0, y: 0, lineHeight: 0, panels: [] }).panels,
}
