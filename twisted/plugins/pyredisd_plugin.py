from twisted.application.service import ServiceMaker

pyredisd = ServiceMaker("pyredisd", "pyredisd.tap", "A Redis-compatible server", "pyredisd")
