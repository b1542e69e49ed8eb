"""The twistd plugin is discoverable from the checkout and stays declarative."""

from __future__ import annotations

from twisted.application.service import IServiceMaker
from twisted.plugin import getPlugins
from twisted.trial.unittest import SynchronousTestCase

from pyredisd import tap


class PluginTests(SynchronousTestCase):
    """``twistd pyredisd`` finds its ServiceMaker."""

    def test_exactly_one_pyredisd_service_maker(self) -> None:
        """getPlugins(IServiceMaker) yields one plugin named ``pyredisd``."""
        makers = [m for m in getPlugins(IServiceMaker) if m.tapname == "pyredisd"]
        self.assertEqual(len(makers), 1)
        maker = makers[0]
        self.assertEqual(maker.tapname, "pyredisd")
        self.assertTrue(maker.description)

    def test_plugin_points_at_tap_module(self) -> None:
        """The plugin's options and makeService are those of ``pyredisd.tap``."""
        (maker,) = [m for m in getPlugins(IServiceMaker) if m.tapname == "pyredisd"]
        self.assertIs(maker.options, tap.Options)
        self.assertIs(maker.makeService, tap.makeService)
