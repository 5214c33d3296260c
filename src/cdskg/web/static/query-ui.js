// cdskg's query page: YASGUI (served from /static/vendor, never a CDN), the query
// catalogue as examples, result IRIs opening cdskg's own resource pages, CSV/JSON
// downloads of the current query and a small bar chart of numeric results.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("cdskg-config").textContent);
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const byName = Object.fromEntries(config.examples.map((e) => [e.name, e]));
  const wanted = new URLSearchParams(window.location.search).get("name");

  // cdskg IRIs open on this server, at the same path, in the same window.
  function localHref(iri) {
    return iri.startsWith(config.idBase) ? "/id/" + iri.slice(config.idBase.length) : null;
  }
  function rewriteLinks(root) {
    root.querySelectorAll("a[href]").forEach((a) => {
      const local = localHref(a.getAttribute("href"));
      if (local) {
        a.setAttribute("href", local);
        a.removeAttribute("target");
        a.classList.add("cdskg-link");
      }
    });
  }

  if (window.Yasgui && Yasgui.Yasr && Yasgui.Yasr.plugins && Yasgui.Yasr.plugins.table) {
    Yasgui.Yasr.plugins.table.defaults.openIriInNewWindow = false;
  }
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    yasr: { prefixes: config.prefixes },
  });
  const tab = yasgui.getTab();
  tab.setEndpoint(endpoint);
  tab.setQuery(wanted && byName[wanted] ? byName[wanted].text : config.default);

  new MutationObserver(() => rewriteLinks(document.getElementById("yasgui"))).observe(
    document.getElementById("yasgui"),
    { childList: true, subtree: true }
  );

  function updateDownloads() {
    const q = yasgui.getTab().getQuery();
    for (const fmt of ["csv", "json"]) {
      const params = new URLSearchParams({ query: q, format: fmt });
      document.getElementById("dl-" + fmt).setAttribute("href", config.endpoint + "?" + params);
    }
  }
  updateDownloads();
  yasgui.on("tabChange", updateDownloads);
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

  // A small self-written bar chart: the first numeric column against the first text one.
  function drawChart(json) {
    const box = document.getElementById("result-chart");
    box.textContent = "";
    if (!json || !json.head || !json.results) return;
    const vars = json.head.vars || [];
    const rows = json.results.bindings || [];
    const isNum = (b) => b && b.type === "literal" && b.value !== "" && !isNaN(Number(b.value));
    const numVar = vars.find((v) => rows.length && rows.every((r) => !r[v] || isNum(r[v])) && rows.some((r) => r[v]));
    if (!numVar) return;
    const labelVar = vars.find((v) => v !== numVar && rows.some((r) => r[v] && r[v].type === "literal" && !isNum(r[v])))
      || vars.find((v) => v !== numVar);
    const items = rows.filter((r) => r[numVar]).slice(0, 60).map((r) => ({
      label: labelVar && r[labelVar] ? r[labelVar].value : "",
      value: Number(r[numVar].value),
      href: labelVar && r[labelVar] && r[labelVar].type === "uri" ? localHref(r[labelVar].value) : null,
    }));
    const top = Math.max(...items.map((i) => i.value), 0) || 1;
    const caption = document.createElement("p");
    caption.className = "muted";
    caption.textContent = "?" + numVar + (labelVar ? " / ?" + labelVar : "");
    box.appendChild(caption);
    for (const it of items) {
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
      const track = document.createElement("span");
      track.className = "bar-track";
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = (100 * Math.max(it.value, 0) / top).toFixed(1) + "%";
      track.appendChild(bar);
      const value = document.createElement("span");
      value.className = "bar-value";
      value.textContent = String(it.value);
      row.append(label, track, value);
      box.appendChild(row);
    }
  }
  // After each answer, fetch the same query as JSON (the endpoint caches it) for the chart.
  yasgui.on("queryResponse", (_y, t) => {
    rewriteLinks(document.getElementById("yasgui"));
    const body = new URLSearchParams({ query: t.getQuery() });
    fetch(endpoint, {
      method: "POST",
      headers: { Accept: "application/sparql-results+json" },
      body: body,
    })
      .then((r) => (r.ok ? r.json() : null))
      .then(drawChart)
      .catch(() => drawChart(null));
  });
  window.cdskgYasgui = yasgui;
})();
