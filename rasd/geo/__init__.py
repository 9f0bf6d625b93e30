"""Geocoding: the gazetteer, Arabic toponym recognition and per-incident resolution."""

from rasd.geo.gazetteer import Gazetteer, Place, add_user_place, get_gazetteer, place_key
from rasd.geo.resolve import GeoResult, geocode, resolve
from rasd.geo.romanize import romanize
from rasd.geo.toponyms import places

__all__ = ["GeoResult", "Gazetteer", "Place", "add_user_place", "geocode", "get_gazetteer",
           "place_key", "places", "resolve", "romanize"]
