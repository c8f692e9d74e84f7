"""MAC addresses and locations from the infrastructure: switches' and routers' SNMP tables.

:mod:`camscan.infra.mibs` reads ARP, FDB, interface and LLDP tables from one agent;
:mod:`camscan.infra.locate` turns several agents' tables into IP → MAC and MAC → edge-port
location; :mod:`camscan.discover.infra` is the discovery method that runs them in a scan.
"""
