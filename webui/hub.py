"""The knowledge hub: the map of systems, a page per system, the price tracker, about the data.

Routes only: each builds its view model (:mod:`webui.views.systems`,
``system``, ``tracker``, ``datasources``) and renders it as HTML, JSON or
CSV. Every HTML page links its JSON twin with ``rel="alternate"``.
"""

from __future__ import annotations

import csv
import io
from typing import Iterable

from flask import Blueprint, Response, abort, jsonify, render_template, request

from .views.datasources import data_json, data_page
from .views.hubdata import hub_data
from .views.system import system_data, system_json, system_page
from .views.systems import systems_data, systems_json, systems_page
from .views.tracker import csv_rows, tracker_data, tracker_json, tracker_page

bp = Blueprint("hub", __name__)


def _args() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


def _csv(rows: Iterable[list[str]], filename: str) -> Response:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        w.writerow(row)
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/systems")
def systems():
    return render_template("systems.html", view=systems_page(systems_data(hub_data(), _args())))


@bp.get("/api/systems")
def api_systems():
    return jsonify(systems_json(systems_data(hub_data(), _args())))


def _system(system_id: str):
    data = system_data(hub_data(with_documents=False), system_id)
    if data is None:
        abort(404, description=f"There is no system {system_id!r}. The map lists them all.")
    return data


@bp.get("/systems/<system_id>")
def system(system_id: str):
    return render_template("system.html", view=system_page(_system(system_id)))


@bp.get("/api/systems/<system_id>")
def api_system(system_id: str):
    return jsonify(system_json(_system(system_id)))


@bp.get("/systems/<system_id>/prices.json")
def system_prices_json(system_id: str):
    data = _system(system_id)
    return jsonify({"system": data.system.id, "name": data.system.name, "series": [x.to_json() for x in data.series]})


@bp.get("/systems/<system_id>/prices.csv")
def system_prices_csv(system_id: str):
    data = system_data(hub_data(with_documents=False), system_id)
    if data is None:
        abort(404)
    tdata = tracker_data(data.hub, [("system", system_id)])
    return _csv(csv_rows(tdata), f"{system_id}-prices.csv")


@bp.get("/prices")
def prices():
    return render_template("prices.html", view=tracker_page(tracker_data(hub_data(with_documents=False), _args())))


@bp.get("/api/prices")
def api_prices():
    return jsonify(tracker_json(tracker_data(hub_data(with_documents=False), _args(), default_all=True)))


@bp.get("/prices.csv")
def prices_csv():
    return _csv(csv_rows(tracker_data(hub_data(with_documents=False), _args(), default_all=True)), "etslib-prices.csv")


@bp.get("/about/data")
def about_data():
    return render_template("data_about.html", view=data_page(hub_data(with_documents=False)))


@bp.get("/api/about/data")
def api_about_data():
    return jsonify(data_json(data_page(hub_data(with_documents=False))))
