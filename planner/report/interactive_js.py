"""The interactive map's own script and style (Jinja templates rendered by folium; plain Leaflet API only)."""

MAP_CSS = """
.leaflet-container{background:#dce8f2;font:12px/1.35 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif}
.planner-box{background:rgba(255,255,255,.94);padding:6px 9px;border-radius:5px;box-shadow:0 1px 4px rgba(0,0,0,.35);
max-width:330px}
.planner-box h1{font-size:15px;margin:0 0 4px}.planner-box p{margin:3px 0}.planner-box .note{color:#8a3300}
.planner-box select{font-size:12px;max-width:310px;margin-top:3px}
.planner-legend i{display:inline-block;width:16px;height:11px;margin:0 6px -1px 0;border:1px solid #999}
.planner-legend b{display:block;margin:4px 0 2px}.planner-legend .sym{display:inline-block;width:16px;
text-align:center;margin-right:6px}
.planner-tip table{border-collapse:collapse;margin-top:3px}.planner-tip td,.planner-tip th{padding:0 6px 0 0;
text-align:left}.planner-tip .n{text-align:right}.planner-tip tr.t td{border-top:1px solid #999;font-weight:600}
.planner-kanal div{width:7px;height:7px;background:#0072B2;border:1px solid #000;transform:rotate(45deg)}
.planner-far .planner-kanal div{width:4px;height:4px;margin:2px;border-width:.5px}
.planner-dot{display:inline-block;width:9px;height:9px;border-radius:50%;border:1px solid #000}
.planner-diamond{display:inline-block;width:7px;height:7px;border:1px solid #000;transform:rotate(45deg)}
"""

GRID_JS = """
var {{ this.get_name() }} = (function () {
    var d = {{ this.data|tojson }};
    var group = L.featureGroup();
    for (var k = 0; k < d.lon.length; k++) {
        var cell = L.rectangle([[d.lat[k], d.lon[k]], [d.lat[k] + d.size, d.lon[k] + d.size]],
            {stroke: false, fillColor: d.palette[d.classes[k]], fillOpacity: d.opacity[d.classes[k]]});
        cell.bindTooltip(d.tips[k], {sticky: true, className: "planner-tip"});
        group.addLayer(cell);
    }
    group.legend = d.legend;
    return group;
})();
"""

CONTROLS_JS = """
(function () {
    var map = {{ this._parent.get_name() }};
    var layers = {
        {%- for key, layer in this.layers.items() %}
        {{ key|tojson }}: {{ layer.get_name() }},
        {%- endfor %}
    };
    var themes = {{ this.themes|tojson }};
    var texts = {{ this.texts|tojson }};
    var regions = layers.regions;
    var current = null;

    function esc(text) {
        var div = document.createElement("div");
        div.textContent = text;
        return div.innerHTML;
    }
    function swatches(rows) {
        return rows.map(function (row) {
            return "<i style='background:" + row[0] + "'></i>" + esc(row[1]);
        }).join("<br>");
    }
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function () {
        this._div = L.DomUtil.create("div", "planner-box planner-legend");
        return this._div;
    };
    legend.addTo(map);
    function drawLegend() {
        var theme = themes[current];
        var html = "<b>" + esc(theme.label) + "</b>" + swatches(theme.legend);
        var symbols = texts.symbols.filter(function (row) {
            var key = row[0] === "existing" ? "existing" : "sites_" + row[0];
            return layers[key] && map.hasLayer(layers[key]);
        });
        if (symbols.length) {
            html += "<b></b>" + symbols.map(function (row) {
                var shape = row[0] === "kanal" ? "planner-diamond" : "planner-dot";
                return "<span class='sym'><span class='" + shape + "' style='background:" + row[1] +
                    "'></span></span>" + esc(row[2]);
            }).join("<br>");
        }
        if (layers.unreached && map.hasLayer(layers.unreached)) {
            html += "<b>" + esc(texts.density_title) + "</b>" + swatches(layers.unreached.legend);
        }
        legend._div.innerHTML = html;
    }
    var members = {};  // every site and catchment, kept while a year's theme takes some off the map
    ["sites_gerai", "sites_kanal", "catchments_gerai", "catchments_kanal", "existing"].forEach(function (key) {
        if (layers[key]) { members[key] = layers[key].getLayers(); }
    });
    function showSitesUntil(year) {  // a year's theme shows the outlets open by the end of that year
        ["sites_gerai", "sites_kanal", "catchments_gerai", "catchments_kanal"].forEach(function (key) {
            if (!members[key]) { return; }
            members[key].forEach(function (layer) {
                var shown = !year || layer.feature.properties.y <= year;
                if (shown && !layers[key].hasLayer(layer)) { layers[key].addLayer(layer); }
                if (!shown && layers[key].hasLayer(layer)) { layers[key].removeLayer(layer); }
            });
        });
    }
    function setTheme(key) {
        var theme = themes[key];
        var year = parseInt(key.split("_")[1], 10);
        current = key;
        showSitesUntil(isNaN(year) ? null : year);
        regions.eachLayer(function (layer) {
            layer.setStyle({fillColor: theme.palette[theme.classes[layer.feature.properties.i]]});
        });
        drawLegend();
    }
    regions.eachLayer(function (layer) {
        layer.on("mouseover", function () { layer.setStyle({weight: 2.5, color: "#000000"}); layer.bringToFront(); });
        layer.on("mouseout", function () { layer.setStyle({weight: 0.6, color: "#ffffff"}); });
    });

    var info = L.control({position: "bottomleft"});
    info.onAdd = function () {
        var div = L.DomUtil.create("div", "planner-box planner-info");
        var notes = texts.notes.map(function (note) { return "<p class='note'>" + esc(note) + "</p>"; }).join("");
        div.innerHTML = "<h1>" + esc(texts.title) + "</h1><p><b>" + esc(texts.headline) + "</b> (" +
            esc(texts.how) + ")</p><p>" + esc(texts.status) + "</p>" + notes + "<p>" + esc(texts.hint) +
            "</p><p style='color:#555'>" + esc(texts.source) + "</p>";
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
    };
    info.addTo(map);

    var selector = L.control({position: "topright"});
    selector.onAdd = function () {
        var div = L.DomUtil.create("div", "planner-box");
        var options = texts.groups.map(function (group) {
            return "<optgroup label='" + esc(group[0]) + "'>" + group[1].filter(function (key) {
                return key in themes;
            }).map(function (key) {
                return "<option value='" + key + "'>" + esc(themes[key].label) + "</option>";
            }).join("") + "</optgroup>";
        }).join("");
        div.innerHTML = "<label for='planner-theme'><b>" + esc(texts.colour_by) + "</b></label><br>" +
            "<select id='planner-theme'>" + options + "</select>";
        div.querySelector("select").value = {{ this.default|tojson }};
        div.querySelector("select").addEventListener("change", function (event) { setTheme(event.target.value); });
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
    };
    selector.addTo(map);
    function sizeMarkers() {
        var far = map.getZoom() < 7;
        map.getContainer().classList.toggle("planner-far", far);
        ["sites_gerai", "existing"].forEach(function (key) {
            (members[key] || []).forEach(function (layer) { layer.setRadius(far ? 3.5 : 6); });
        });
    }
    map.on("zoomend", sizeMarkers);
    sizeMarkers();
    function order() {  // regions at the bottom, then the grid, then catchments and sites
        if (layers.unreached && map.hasLayer(layers.unreached)) { layers.unreached.bringToBack(); }
        if (map.hasLayer(regions)) { regions.bringToBack(); }
    }
    map.on("overlayadd", order);
    map.on("overlayadd overlayremove", drawLegend);
    setTheme({{ this.default|tojson }});
    window.plannerMap = {map: map, layers: layers, themes: themes, setTheme: setTheme, order: order};
    window.requestAnimationFrame(function () { window.plannerMapReady = performance.now(); });
})();
"""
