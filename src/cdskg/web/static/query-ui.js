// cdskg's query page: YASGUI (served from /static/vendor, never a CDN), the query
// catalogue as examples, result IRIs opening cdskg's own resource pages, CSV/JSON
// downloads of the current query and a bar chart of the result.
//
// As in every YASGUI deployment, the query is kept across reloads (local storage) and a
// share link (#query=…) opens the query it carries; ?name=NAME opens a catalogue example.
// The editor knows the prefixes the endpoint predeclares and completes classes and
// properties from this server's own vocabulary (/vocabulary): the page asks no other
// server for anything.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("cdskg-config").textContent);
  const root = document.getElementById("yasgui");
  // Without the editor's files the page says so itself (see sparql.html).
  if (!window.Yasgui) return;
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const byName = Object.fromEntries(config.examples.map((e) => [e.name, e]));
  const wanted = new URLSearchParams(window.location.search).get("name");
  // YASGUI reads (and clears) the hash itself; a share link's query wins over ?name=.
  const sharedLink = /(^|&)query=/.test(window.location.hash.replace(/^#/, ""));

  // cdskg IRIs open on this server, at the same path, in the same window.
  function localHref(iri) {
    return iri.startsWith(config.idBase) ? "/id/" + iri.slice(config.idBase.length) : null;
  }
  function rewriteLinks(el) {
    el.querySelectorAll("a[href]").forEach((a) => {
      const local = localHref(a.getAttribute("href"));
      if (local) {
        a.setAttribute("href", local);
        a.removeAttribute("target");
        a.classList.add("cdskg-link");
      }
    });
  }

  // The endpoint predeclares prefixes (qb:, sdmx-dimension:, …): the editor's parser starts
  // every query knowing them, so the README's queries are not flagged, and completion of
  // prefixed names works without PREFIX lines.
  function teachPrefixes(Yasqe, prefixes) {
    const base = Yasqe.modes && Yasqe.modes.sparql11;
    if (!base || base.cdskgPrefixes) return;
    const mode = function (cmConfig, modeConfig) {
      const m = base(cmConfig, modeConfig);
      const start = m.startState;
      m.startState = function () {
        const state = start.apply(this, arguments);
        state.prefixes = Object.assign({}, prefixes, state.prefixes);
        return state;
      };
      return m;
    };
    mode.cdskgPrefixes = true;
    Yasqe.defineMode("sparql11", mode);
  }

  // Classes and properties from this server (ontology and data), fetched once per page;
  // prefixes from the endpoint's own list. YASGUI's defaults would ask prefix.cc's bundled
  // list and the Linked Open Vocabularies service.
  function useLocalVocabulary(Yasqe) {
    let terms = null;
    const vocabulary = () => {
      if (!terms) {
        terms = fetch(config.vocabulary, { headers: { Accept: "application/json" } })
          .then((r) => (r.ok ? r.json() : { classes: [], properties: [] }))
          .catch(() => ({ classes: [], properties: [] }));
      }
      return terms;
    };
    const local = (name, key) =>
      Object.assign({}, Yasqe.Autocompleters[name], {
        get: () => vocabulary().then((v) => v[key] || []),
        bulk: true,
        autoShow: true,
        persistenceId: null,
      });
    Yasqe.registerAutocompleter(local("class", "classes"));
    Yasqe.registerAutocompleter(local("property", "properties"));
    Yasqe.registerAutocompleter(
      Object.assign({}, Yasqe.Autocompleters.prefixes, {
        get: () => Object.entries(config.prefixes).map(([p, iri]) => p + ": <" + iri + ">"),
        persistenceId: null,
      })
    );
  }

  teachPrefixes(Yasgui.Yasqe, config.prefixes);
  useLocalVocabulary(Yasgui.Yasqe);
  // Results readable by default ("Simple view": 14, not "14"^^xsd:integer); a reader who
  // unticks it keeps that choice, which YASGUI stores with the tab.
  const table = Yasgui.Yasr.defaults.plugins.table || (Yasgui.Yasr.defaults.plugins.table = {});
  table.dynamicConfig = Object.assign({ compact: true }, table.dynamicConfig);
  if (Yasgui.Yasr.plugins && Yasgui.Yasr.plugins.table) {
    Yasgui.Yasr.plugins.table.defaults.openIriInNewWindow = false;
  }

  const yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: "cdskg-sparql",
    // A shared link opens its query, but never on another endpoint (it runs at once).
    populateFromUrl: (fromUrl) => {
      fromUrl.requestConfig = Object.assign({}, fromUrl.requestConfig, { endpoint: endpoint });
      return fromUrl;
    },
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    yasqe: { value: config.default },
    yasr: { prefixes: config.prefixes },
  });
  const tab = yasgui.getTab();
  // This page queries this server only, whatever a stored tab or a shared link says.
  tab.setEndpoint(endpoint);
  if (!sharedLink && wanted && byName[wanted]) {
    tab.setQuery(byName[wanted].text);
  }

  // ?name= stays in the address while the example is unchanged; once edited, the address
  // is the plain page again, so that a reload shows the edited query (kept by YASGUI).
  function forgetExampleOnceEdited() {
    const name = new URLSearchParams(window.location.search).get("name");
    const current = yasgui.getTab();
    if (name && byName[name] && current.getQuery() !== byName[name].text) {
      history.replaceState(null, "", window.location.pathname);
    }
  }
  // YASGUI stores the query when the editor loses focus or runs it; a reload does neither.
  function keepQuery() {
    const current = yasgui.getTab();
    const yasqe = current.getYasqe && current.getYasqe();
    if (yasqe && typeof current.handleYasqeBlur === "function") current.handleYasqeBlur(yasqe);
  }
  function watchEditor(t) {
    const yasqe = t.getYasqe && t.getYasqe();
    if (!yasqe || yasqe.cdskgWatched) return;
    yasqe.cdskgWatched = true;
    let timer = null;
    yasqe.on("change", () => {
      forgetExampleOnceEdited();
      clearTimeout(timer);
      timer = setTimeout(keepQuery, 300);
    });
  }
  watchEditor(tab);
  window.addEventListener("pagehide", keepQuery);

  new MutationObserver(() => rewriteLinks(root)).observe(root, { childList: true, subtree: true });

  function updateDownloads() {
    const q = yasgui.getTab().getQuery();
    for (const fmt of ["csv", "json"]) {
      const params = new URLSearchParams({ query: q, format: fmt });
      document.getElementById("dl-" + fmt).setAttribute("href", config.endpoint + "?" + params);
    }
  }
  updateDownloads();
  yasgui.on("tabChange", (_y, t) => {
    watchEditor(t);
    updateDownloads();
  });
  yasgui.on("tabSelect", () => setTimeout(() => watchEditor(yasgui.getTab()), 0));
  yasgui.on("query", updateDownloads);

  document.querySelectorAll("#examples a[data-name]").forEach((a) => {
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      const ex = byName[a.dataset.name];
      const current = yasgui.getTab();
      current.setQuery(ex.text);
      history.replaceState(null, "", "?name=" + encodeURIComponent(ex.name));
      updateDownloads();
    });
  });

  // The chart: the columns the query's "# chart: ?LABEL ?VALUE" header names, read as the
  // catalogue reads it (comment lines at the top of the query), drawn with the rule and
  // markup of the catalogue pages (pages/common.py: bars, chart_values, chart_number).
  // A query without the header gets the first numeric column against the first text
  // column that is not the same on every row, and the caption says so.
  function chartHeader(text) {
    for (const line of text.split("\n")) {
      const stripped = line.trim();
      if (!stripped) continue;
      if (!stripped.startsWith("#")) break;
      const m = /^#\s*chart\s*:\s*(.*)$/.exec(stripped);
      if (m) {
        const cols = m[1].split(/\s+/).filter(Boolean).map((c) => c.replace(/^\?+/, ""));
        if (cols.length === 2) return cols;
      }
    }
    return null;
  }
  const numbers = new Intl.NumberFormat(config.lang === "vi" ? "vi-VN" : "en-GB", {
    maximumFractionDigits: 4,
  });
  function chartNumber(v) {
    return numbers.format(v);
  }
  function guessColumns(vars, rows) {
    const isNum = (b) => b && b.type === "literal" && b.value.trim() !== "" && isFinite(b.value);
    const value = vars.find(
      (v) => rows.some((r) => r[v]) && rows.every((r) => !r[v] || isNum(r[v]))
    );
    if (!value) return null;
    const varies = (v) => new Set(rows.map((r) => (r[v] ? r[v].value : ""))).size > 1;
    const texts = vars.filter(
      (v) => v !== value && rows.some((r) => r[v] && r[v].type === "literal" && !isNum(r[v]))
    );
    const label = texts.find(varies) || texts[0] || vars.find((v) => v !== value);
    return label ? [label, value] : null;
  }
  // Like with like (pages/common.py: chart_values): when the result has a breakdown or a
  // role column, the bars share the most frequent value of each (the first of equals); a
  // qualifier column puts its sign before each bar's value ("> 67": "trên 67%").
  const cellKey = (b) => (b ? b.value : "");
  function likeCell(rows, vars, column, b) {
    if (!b) return "";
    const name = vars.includes(column + "Label")
      ? rows.find((r) => cellKey(r[column]) === b.value && r[column + "Label"])
      : null;
    if (name) return name[column + "Label"].value;
    if (column === "role" && config.roles[b.value]) return config.roles[b.value];
    if (column === "breakdown" && config.breakdowns[b.value]) return config.breakdowns[b.value];
    return b.type === "uri" ? b.value.replace(/^.*[/#]/, "") : b.value;
  }
  function chartItems(vars, rows, label, value) {
    let drawn = [];
    for (const r of rows) {
      const l = r[label];
      const v = r[value];
      if (!l || !v || v.type === "uri" || v.type === "bnode") continue;
      const text = v.value.trim();
      const number = text === "" ? NaN : Number(text);
      if (!isFinite(number)) continue;
      drawn.push({ row: r, label: l.value, value: number,
        href: l.type === "uri" ? localHref(l.value) || l.value : null });
    }
    const like = [];
    const before = drawn.length;
    for (const column of config.chartLike) {
      if (!vars.includes(column)) continue;
      const counts = new Map();
      for (const it of drawn) {
        const key = cellKey(it.row[column]);
        counts.set(key, (counts.get(key) || 0) + 1);
      }
      if (counts.size < 2) continue;
      let chosen = null;
      for (const [key, n] of counts) if (chosen === null || n > counts.get(chosen)) chosen = key;
      drawn = drawn.filter((it) => cellKey(it.row[column]) === chosen);
      like.push(likeCell(rows, vars, column, drawn[0].row[column]));
    }
    const leftOut = before - drawn.length;
    const items = drawn.slice(0, config.chartRows);
    const qualified = vars.includes("qualifier");
    for (const it of items) {
      const q = qualified ? it.row.qualifier : null;
      it.sign = (q && config.qualifierSigns[q.value]) || "";
    }
    const top = Math.max(...items.map((i) => i.value)) || 1;
    for (const it of items) {
      it.width = Math.round((1000 * Math.max(it.value, 0)) / top) / 10;
    }
    return { items: items, like: like, leftOut: leftOut };
  }
  const SVG = "http://www.w3.org/2000/svg";
  function barRow(it) {
    const row = document.createElement("div");
    row.className = "bar-row";
    const label = document.createElement("span");
    label.className = "bar-label";
    if (it.href) {
      const a = document.createElement("a");
      a.href = it.href;
      a.textContent = it.label;
      label.appendChild(a);
    } else {
      label.textContent = it.label;
    }
    const track = document.createElementNS(SVG, "svg");
    track.setAttribute("class", "bar-track");
    track.setAttribute("viewBox", "0 0 100 1");
    track.setAttribute("preserveAspectRatio", "none");
    track.setAttribute("aria-hidden", "true");
    const bar = document.createElementNS(SVG, "rect");
    bar.setAttribute("class", "bar");
    bar.setAttribute("width", String(it.width));
    bar.setAttribute("height", "1");
    track.appendChild(bar);
    const value = document.createElement("span");
    value.className = "bar-value";
    value.textContent = (it.sign ? it.sign + " " : "") + chartNumber(it.value);
    row.append(label, track, value);
    return row;
  }
  function drawChart(json, queryText) {
    const box = document.getElementById("result-chart");
    box.textContent = "";
    if (!json || !json.head || !json.results) return;
    const vars = json.head.vars || [];
    const rows = json.results.bindings || [];
    const declared = chartHeader(queryText || "");
    const cols =
      declared && vars.includes(declared[0]) && vars.includes(declared[1])
        ? declared
        : guessColumns(vars, rows);
    if (!cols) return;
    const chart = chartItems(vars, rows, cols[0], cols[1]);
    const items = chart.items;
    if (!items.length) return;
    const caption = document.createElement("p");
    caption.className = "muted";
    caption.id = "chart-columns";
    caption.dataset.label = cols[0];
    caption.dataset.value = cols[1];
    caption.dataset.declared = cols === declared ? "yes" : "no";
    const how = cols === declared ? config.text.chartDeclared : config.text.chartGuessed;
    caption.textContent = "?" + cols[0] + " · ?" + cols[1] + " — " + how;
    const figure = document.createElement("figure");
    figure.className = "chart";
    figure.id = "editor-chart";
    items.forEach((it) => figure.appendChild(barRow(it)));
    box.append(caption, figure);
    if (chart.like.length) {
      const like = document.createElement("p");
      like.className = "muted";
      like.id = "chart-like";
      like.textContent = config.text.chartLike
        .replace("{like}", chart.like.join(", "))
        .replace("{n}", String(chart.leftOut));
      box.append(like);
    }
  }
  // After each answer, fetch the same query as JSON (the endpoint caches it) for the chart.
  yasgui.on("queryResponse", (_y, t) => {
    rewriteLinks(root);
    const text = t.getQuery();
    const body = new URLSearchParams({ query: text });
    fetch(endpoint, {
      method: "POST",
      headers: { Accept: "application/sparql-results+json" },
      body: body,
    })
      .then((r) => (r.ok ? r.json() : null))
      .then((json) => drawChart(json, text))
      .catch(() => drawChart(null));
  });
  window.cdskgYasgui = yasgui;
})();
