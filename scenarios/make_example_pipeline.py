"""Generate the illustrative project pipeline of the bundled SR25 example scenario.

Writes ``scenarios/data/pipeline.csv`` (DESIGN §3.2 columns, £ million) from a fixed
catalogue of project *types* modelled on real UK programmes (floating offshore wind ports,
the Green Heat Network Fund, CCUS clusters, the School Rebuilding Programme, community
diagnostic centres, the prison capacity programme, the Growth Guarantee Scheme, ...).
Every project is **illustrative**: its name pairs a real programme type with a real place,
but it is not a real commitment, bid or business case.

The parameter distributions are anchored on published figures (see
``scenarios/data/SOURCES.md``, which names the source of each one):

- grant leverage 0.37-0.75 private £ per public £ (ODI, development-bank grants), with a
  few first-loss grant funds at 4-12 (ODI: outliers up to 12);
- loan leverage log-normal around 3 (National Wealth Fund target £3 private per £1 public),
  capped at 6.9 (UK Infrastructure Bank's first year: £610m mobilising £4.2bn);
- equity leverage around 2 (British Patient Capital: £2.5bn supporting £7.5bn in total),
  3-9 for fund-of-funds stakes (EIB fund stakes of 10-25%);
- guarantee leverage 1/cover for SME portfolio guarantees (Enterprise Finance Guarantee 75%,
  Growth Guarantee Scheme 70%) and 1.8-2.2 for infrastructure guarantees (UK Guarantees
  Scheme: £1.8bn supporting over £4bn);
- additionality around 0.67 for infrastructure (European Court of Auditors, 2019: about a
  third of EFSI infrastructure projects could have been financed without it), higher for
  early-stage projects;
- expected loss pd x lgd capped at 13% for SME portfolio guarantees (EFG claims cap) and at
  40% for early-stage equity (InvestEU provisioning rate).

The output is deterministic: one ``numpy.random.default_rng(SEED)`` stream consumed in a
fixed order, fixed decimal formatting and ``\\n`` line endings, so the file can be checked
byte for byte (``tests/test_example_scenario.py`` does). No network access.

Usage::

    python scenarios/make_example_pipeline.py            # writes scenarios/data/pipeline.csv
    python scenarios/make_example_pipeline.py --out X.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Seed of the single random stream. Changing it changes every project.
SEED = 20250611  # Spending Review 2025 was published on 11 June 2025

#: The scenario horizon (SR25 capital budgets run to 2029-30).
YEARS = ("2026-27", "2027-28", "2028-29", "2029-30")

#: Instruments in the order their columns are written (DESIGN §3.2 / §5).
INSTRUMENTS = ("grant", "loan", "equity", "guarantee")

#: DESIGN §3.2 columns, in order.
COLUMNS = (
    "project_id",
    "name",
    "description",
    "department",
    "region",
    "cofog",
    "cpv",
    "capacity",
    "private_capacity",
    "instruments",
    *(f"leverage_{i}" for i in INSTRUMENTS),
    "pd",
    "lgd",
    "additionality",
    "start_year",
    "end_year",
)

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "pipeline.csv"

# --- places by ITL1 region -------------------------------------------------------------------

ENGLAND = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
NATIONS = ("Wales", "Scotland", "Northern Ireland")
ALL_REGIONS = ENGLAND + NATIONS

TOWNS: dict[str, tuple[str, ...]] = {
    "North East": ("Newcastle upon Tyne", "Sunderland", "Middlesbrough", "Gateshead",
                   "Darlington", "Hartlepool", "Durham", "Stockton-on-Tees"),
    "North West": ("Manchester", "Liverpool", "Preston", "Bolton", "Wigan", "Warrington",
                   "Blackpool", "Carlisle", "Oldham", "Stockport"),
    "Yorkshire and The Humber": ("Leeds", "Sheffield", "Bradford", "Hull", "Doncaster",
                                 "Wakefield", "Grimsby", "Rotherham", "Barnsley", "York"),
    "East Midlands": ("Nottingham", "Derby", "Leicester", "Lincoln", "Northampton",
                      "Mansfield", "Chesterfield", "Corby"),
    "West Midlands": ("Birmingham", "Coventry", "Wolverhampton", "Stoke-on-Trent", "Walsall",
                      "Telford", "Worcester", "Hereford"),
    "East of England": ("Norwich", "Ipswich", "Peterborough", "Cambridge", "Luton",
                        "Colchester", "Harlow", "Stevenage"),
    "London": ("Barking and Dagenham", "Croydon", "Tower Hamlets", "Old Oak and Park Royal",
               "Lewisham", "Enfield", "Southwark", "Newham", "Haringey"),
    "South East": ("Southampton", "Portsmouth", "Reading", "Milton Keynes", "Oxford",
                   "Brighton and Hove", "Medway", "Slough", "Crawley"),
    "South West": ("Bristol", "Plymouth", "Exeter", "Swindon", "Gloucester", "Bournemouth",
                   "Truro", "Taunton"),
    "Wales": ("Cardiff", "Swansea", "Newport", "Wrexham", "Bridgend", "Merthyr Tydfil"),
    "Scotland": ("Glasgow", "Edinburgh", "Aberdeen", "Dundee", "Inverness", "Falkirk",
                 "Kilmarnock"),
    "Northern Ireland": ("Belfast", "Derry~Londonderry", "Newry", "Lisburn", "Craigavon",
                         "Ballymena"),
}

#: Police forces by region (England and Wales: Home Office; Scotland, Northern Ireland devolved).
FORCES: dict[str, tuple[str, ...]] = {
    "North East": ("Northumbria Police", "Cleveland Police", "Durham Constabulary"),
    "North West": ("Greater Manchester Police", "Merseyside Police", "Lancashire Constabulary"),
    "Yorkshire and The Humber": ("West Yorkshire Police", "South Yorkshire Police",
                                 "Humberside Police"),
    "East Midlands": ("Nottinghamshire Police", "Derbyshire Constabulary",
                      "Leicestershire Police"),
    "West Midlands": ("West Midlands Police", "Staffordshire Police", "West Mercia Police"),
    "East of England": ("Essex Police", "Norfolk Constabulary", "Bedfordshire Police"),
    "London": ("Metropolitan Police Service",),
    "South East": ("Thames Valley Police", "Kent Police", "Sussex Police", "Hampshire and Isle of Wight Constabulary"),
    "South West": ("Avon and Somerset Police", "Devon and Cornwall Police"),
    "Wales": ("South Wales Police", "North Wales Police", "Gwent Police"),
    "Scotland": ("Police Scotland",),
    "Northern Ireland": ("Police Service of Northern Ireland",),
}

#: Devolved delivery: who owns health, schools, and (in Scotland and Northern Ireland)
#: policing and prisons outside England.
DEVOLVED = {
    "Wales": "Welsh Government",
    "Scotland": "Scottish Government",
    "Northern Ireland": "Northern Ireland Executive",
}

#: Real UK sites for location-specific project types (place, ITL1 region).
WIND_PORTS = (
    ("Teesworks, Teesside", "North East"), ("Port of Blyth", "North East"),
    ("Able Marine Energy Park, Humber", "Yorkshire and The Humber"),
    ("Great Yarmouth Outer Harbour", "East of England"), ("Port of Lowestoft", "East of England"),
    ("Port Talbot", "Wales"), ("Port of Milford Haven", "Wales"), ("Port of Mostyn", "Wales"),
    ("Cromarty Firth", "Scotland"), ("Ardersier", "Scotland"), ("Port of Leith", "Scotland"),
    ("Belfast Harbour", "Northern Ireland"), ("Port of Barrow", "North West"),
    ("Port of Tyne", "North East"),
)
CCUS_CLUSTERS = (
    ("HyNet North West", "North West"), ("East Coast Cluster (Teesside)", "North East"),
    ("East Coast Cluster (Humber)", "Yorkshire and The Humber"), ("Acorn (St Fergus)", "Scotland"),
    ("Viking CCS (Immingham)", "Yorkshire and The Humber"),
)
HYDROGEN_SITES = (
    ("Teesside", "North East"), ("Humber", "Yorkshire and The Humber"),
    ("Cromarty Firth", "Scotland"), ("Milford Haven", "Wales"), ("Bradford", "Yorkshire and The Humber"),
    ("Barrow-in-Furness", "North West"), ("Grangemouth", "Scotland"), ("Ellesmere Port", "North West"),
)
FLOATING_WIND_SITES = (
    ("Celtic Sea, Pembrokeshire landfall", "Wales"), ("Celtic Sea, Cornwall landfall", "South West"),
    ("Aberdeenshire (ScotWind)", "Scotland"),
)
GIGAFACTORY_SITES = (
    ("Sunderland", "North East"), ("Bridgwater, Somerset", "South West"),
    ("Coventry Airport", "West Midlands"), ("Blyth", "North East"),
)
GRID_SITES = (
    ("Eastern Green Link landfall, Lincolnshire", "East Midlands"),
    ("Norwich to Tilbury reinforcement", "East of England"),
    ("Yorkshire GREEN upgrade", "Yorkshire and The Humber"),
    ("Bramford to Twinstead", "East of England"), ("Beauly to Denny upgrade", "Scotland"),
    ("North Wales connections", "Wales"), ("Hinkley connection, Somerset", "South West"),
    ("Tyne Crossing", "North East"), ("Cumbria coastal connections", "North West"),
    ("Kent and Sussex coastal reinforcement", "South East"),
)
CLEAN_TRADES = ("heat pump installers", "electrical and grid technicians",
                "offshore wind technicians", "retrofit coordinators", "hydrogen and CCUS operators",
                "EV charge-point engineers")
RESEARCH_FIELDS = ("quantum computing", "engineering biology", "semiconductors", "AI safety",
                   "advanced materials", "fusion energy", "space and satellite applications",
                   "precision medicine", "agri-tech", "robotics")
MEDTECH_FIELDS = ("diagnostics", "medical imaging", "surgical robotics", "digital therapeutics",
                  "genomics", "wearable monitoring")
SECTORS = ("advanced manufacturing", "digital and AI", "creative industries", "life sciences",
           "construction", "green technologies")


@dataclass(frozen=True)
class ProjectType:
    """One kind of project and how its parameters are drawn.

    ``names`` and ``description`` are format strings over ``{place}``, ``{town}``,
    ``{force}``, ``{field}``, ``{medtech}``, ``{trade}``, ``{sector}``, ``{region}``, ``{phase}``.
    ``sites`` (place, region) pairs fix the location; otherwise a region is drawn from
    ``regions`` and a town from :data:`TOWNS`. ``capacity`` is the (low, high) £m range of a
    log-uniform draw. ``instruments`` lists eligible sets, one drawn per project.
    Profiles: grant ``none``/``odi``/``first-loss``; loan ``nwf``; equity ``bpc``/``fund``;
    guarantee ``sme``/``infra``; risk ``public``/``infra``/``corporate``/``sme``/``early``;
    additionality ``none``/``infra``/``early``.
    """

    key: str
    lead: str
    count: int
    names: tuple[str, ...]
    description: str
    department: str
    cofog: str
    cpv: tuple[str, ...]
    capacity: tuple[float, float]
    instruments: tuple[str, ...]
    regions: tuple[str, ...] = ALL_REGIONS
    sites: tuple[tuple[str, str], ...] = ()
    devolved: bool = False
    grant: str = "odi"
    loan: str = "nwf"
    equity: str = "bpc"
    guarantee: str = "infra"
    risk: str = "infra"
    additionality: str = "infra"
    first_loss_share: float = 0.0
    restricted_share: float = 0.3


#: Lead mission → project-id prefix.
PREFIX = {"clean-energy": "CE", "growth": "GR", "health": "HE", "safer-streets": "SS",
          "opportunity": "OP"}

TYPES: tuple[ProjectType, ...] = (
    # ---- clean energy --------------------------------------------------------------------
    ProjectType(
        "wind-port", "clean-energy", 9,
        ("{place}: floating offshore wind port upgrade", "{place}: offshore wind heavy-lift quay"),
        "Quay strengthening, heavy-lift berth and laydown area for offshore wind foundations and "
        "turbine assembly at {place}, co-financed with the port operator (FLOWMIS-type scheme)",
        "DESNZ", "04.3", ("45241000;31121340", "45241000"), (60, 450),
        ("loan;equity;guarantee", "loan;guarantee", "grant;loan;guarantee"),
        sites=WIND_PORTS,
    ),
    ProjectType(
        "grid", "clean-energy", 9,
        ("{place}: grid connection and substation",
         "{place}: 400kV network reinforcement"),
        "Transmission reinforcement and new substation to connect offshore and onshore "
        "renewables queued for connection ({place}); Clean Power 2030 connections reform",
        "DESNZ", "04.3", ("45232220;31321000", "31321000", "09310000;45231000"), (150, 1500),
        ("loan;guarantee", "loan;equity;guarantee"),
        sites=GRID_SITES,
    ),
    ProjectType(
        "heat-network", "clean-energy", 10,
        ("{town} low-carbon heat network (phase {phase})",
         "{town} heat network zone: energy centre and mains"),
        "Water-source and heat-pump energy centre with district-heating mains serving public "
        "buildings and new homes in {town} (Green Heat Network Fund type)",
        "DESNZ", "04.3", ("09323000;45232140", "45251250", "09323000"), (10, 140),
        ("grant;loan", "grant;loan;guarantee"), regions=ENGLAND,
    ),
    ProjectType(
        "hydrogen", "clean-energy", 7,
        ("{place} electrolytic hydrogen production hub",
         "{place} green hydrogen and storage (HAR allocation round)"),
        "First-of-a-kind electrolytic hydrogen production with storage and pipeline to industrial "
        "off-takers at {place}; revenue support via the Hydrogen Allocation Round",
        "DESNZ", "04.3", ("24111600;09300000", "24111600;45251100"), (40, 400),
        ("grant;loan;equity", "loan;equity", "loan;equity;guarantee"),
        sites=HYDROGEN_SITES, risk="early", additionality="early",
    ),
    ProjectType(
        "ccus", "clean-energy", 5,
        ("{place}: CO2 transport and storage network",),
        "Carbon dioxide pipeline, compression and offshore storage serving the {place} industrial "
        "cluster (Track-1/Track-2 CCUS programme)",
        "DESNZ", "05.3;04.3", ("45231000;09300000", "45231000"), (300, 1500),
        ("loan;equity;guarantee",), sites=CCUS_CLUSTERS, restricted_share=0.6,
    ),
    ProjectType(
        "retrofit", "clean-energy", 8,
        ("Warm Homes: {region} social housing retrofit wave {phase}",
         "{town} whole-house retrofit and heat pump programme"),
        "Fabric insulation, heat pumps and rooftop solar for social and low-income homes in "
        "{region} (Warm Homes: Social Housing and Local Grant type), lowering bills and demand",
        "DESNZ", "04.3;06.1", ("45321000;09332000", "45321000"), (20, 300),
        ("grant", "grant;loan"), regions=ENGLAND, first_loss_share=0.2,
    ),
    ProjectType(
        "community-energy", "clean-energy", 7,
        ("Great British Energy community fund: {town} solar and battery storage",
         "{town} community-owned solar farm and storage"),
        "Community-owned ground-mounted solar with battery storage in {town}; first-loss "
        "capital alongside community shares and local-authority lending",
        "DESNZ", "04.3", ("09332000;31440000", "09332000"), (5, 60),
        ("grant;loan", "grant"), first_loss_share=0.45,
    ),
    ProjectType(
        "first-loss-fund", "clean-energy", 3,
        ("{region} local power first-loss fund",),
        "Grant-funded first-loss tranche of a blended fund lending to community and "
        "local-authority renewable schemes in {region}; senior lenders take the rest",
        "DESNZ", "04.3", ("09300000;66100000", "09310000"), (20, 120),
        ("grant",), first_loss_share=1.0,
    ),
    ProjectType(
        "floating-wind", "clean-energy", 3,
        ("{place}: floating offshore wind pre-commercial array",),
        "Pre-commercial floating offshore wind array and export cable; first-of-a-kind risk "
        "shared with the developer",
        "DESNZ", "04.3", ("31121340;45251160", "45251160"), (150, 700),
        ("loan;equity;guarantee",), sites=FLOATING_WIND_SITES, risk="early",
        additionality="early",
    ),
    ProjectType(
        "smr", "clean-energy", 1,
        ("Small modular reactor: site preparation and long-lead items (tranche {phase})",),
        "Site preparation, grid connection and long-lead component orders for a first small "
        "modular reactor (Great British Energy - Nuclear programme)",
        "DESNZ", "04.3", ("45251110",), (800, 1500),
        ("loan;equity;guarantee",), regions=("Wales", "North West"), risk="early",
        additionality="early", restricted_share=1.0,
    ),
    ProjectType(
        "biomethane", "clean-energy", 4,
        ("{town} food-waste anaerobic digestion and biomethane plant",),
        "Anaerobic digestion of separately collected food waste with biomethane injection to the "
        "gas grid at {town} (Simpler Recycling collections)",
        "DEFRA", "05.1;04.3", ("45222100;09300000", "45222100"), (15, 90),
        ("loan;guarantee", "grant;loan"),
    ),
    ProjectType(
        "ev-charging", "clean-energy", 6,
        ("{region} rapid EV charging hubs (LEVI round {phase})",
         "{region} zero-emission HGV charging corridor"),
        "Rapid and ultra-rapid charge points with grid upgrades on the strategic road network and "
        "in residential streets across {region}; co-investment with charge-point operators",
        "DfT", "04.5;05.3", ("31158100;45232200", "31158100"), (20, 250),
        ("loan;equity;guarantee", "grant;loan;equity"), regions=ENGLAND,
    ),
    # ---- growth --------------------------------------------------------------------------
    ProjectType(
        "gigafactory", "growth", 3,
        ("{place} battery cell gigafactory expansion",),
        "Battery cell manufacturing capacity for zero-emission vehicles at {place}, supplying UK "
        "car plants (DRIVE35 / Automotive Transformation Fund type)",
        "DBT", "04.4", ("31422000;45213000", "31440000;45213000"), (250, 1200),
        ("grant;loan;equity;guarantee", "loan;equity;guarantee"), sites=GIGAFACTORY_SITES,
        risk="corporate",
    ),
    ProjectType(
        "housing", "growth", 12,
        ("{town} brownfield regeneration: new homes phase {phase}",
         "{town} town-centre brownfield homes and enabling infrastructure"),
        "Land remediation, utilities and new homes on previously developed land in {town} "
        "(Brownfield Infrastructure and Land fund / Homes England type), with affordable tenures",
        "MHCLG", "06.1", ("45211340;45111291", "45211000", "45211340"), (20, 400),
        ("grant;loan", "grant;loan;guarantee", "loan;guarantee"), regions=ENGLAND,
    ),
    ProjectType(
        "mass-transit", "growth", 7,
        ("{town} mass transit extension", "{town} rail station and line upgrade"),
        "Tram and rail capacity linking housing and employment sites in {town} (City Region "
        "Sustainable Transport Settlement / Transport for the North type)",
        "DfT", "04.5", ("45234121;45234100", "45234100;45213320"), (80, 900),
        ("grant", "grant;loan"), regions=ENGLAND, grant="none",
    ),
    ProjectType(
        "roads", "growth", 5,
        ("{town} junction and link road improvement",),
        "Junction improvement and link road opening employment land near {town} (Major Road "
        "Network / Large Local Majors type)",
        "DfT", "04.5", ("45233120",), (20, 300),
        ("grant",), regions=ENGLAND, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "bus-depot", "growth", 4,
        ("{town} zero-emission bus depot and fleet",),
        "Depot electrification and zero-emission buses for {town} routes (ZEBRA type), with the "
        "bus operator co-funding vehicles",
        "DfT", "04.5;05.3", ("45213311;34144900", "45213314"), (10, 80),
        ("grant", "grant;loan"), regions=ENGLAND,
    ),
    ProjectType(
        "rd-centre", "growth", 7,
        ("{field} research and innovation centre, {town}",
         "Catapult scale-up facility for {field}, {town}"),
        "Shared research, testing and scale-up facility for {field} in {town}, co-funded by "
        "industry partners and the university",
        "DSIT", "04.8", ("73100000;45214600", "73110000;45214620"), (15, 250),
        ("grant", "grant;equity"), regions=ENGLAND + ("Wales", "Scotland"),
        risk="early", additionality="early",
    ),
    ProjectType(
        "spinout", "growth", 6,
        ("{field} spin-out seed and Series A co-investment fund",
         "{region} university spin-out fund ({field})"),
        "Equity co-investment in university spin-outs in {field}, alongside venture and "
        "angel investors (British Patient Capital / Northern Gritstone type)",
        "DSIT", "04.8", ("66122000;73100000", "66122000"), (20, 250),
        ("equity",), equity="bpc", risk="early", additionality="early",
    ),
    ProjectType(
        "scaleup", "growth", 6,
        ("{sector} scale-up growth capital programme",
         "{region} regional investment fund II ({sector})"),
        "Fund-of-funds commitments to growth-stage venture and growth equity for {sector} "
        "companies (British Business Bank Nations and Regions Investment Fund type)",
        "DBT", "04.1", ("66122000;66140000", "66140000"), (50, 600),
        ("equity", "loan;equity"), equity="fund", risk="early", additionality="early",
    ),
    ProjectType(
        "sme-guarantee", "growth", 6,
        ("Growth Guarantee Scheme: {region} SME lending portfolio",
         "{region} SME term-lending guarantee portfolio"),
        "Partial guarantee on a portfolio of SME term loans and asset finance through accredited "
        "lenders in {region} (Growth Guarantee Scheme / Enterprise Finance Guarantee type)",
        "DBT", "04.1", ("66110000",), (50, 500),
        ("guarantee",), guarantee="sme", risk="sme",
    ),
    ProjectType(
        "manufacturing-park", "growth", 5,
        ("{town} advanced manufacturing park phase {phase}",),
        "Serviced plots, power and shared production space for advanced manufacturing firms in "
        "{town} (Investment Zone type)",
        "DBT", "04.4", ("45213000;45111291", "45213000"), (30, 300),
        ("grant;loan", "loan;equity;guarantee"), regions=ENGLAND + NATIONS, risk="corporate",
    ),
    ProjectType(
        "freeport", "growth", 4,
        ("{town} Freeport tax site enabling works",),
        "Site enabling works, access and utilities on a Freeport tax site near {town}",
        "MHCLG", "04.1", ("45111291",), (20, 150),
        ("grant;loan", "grant"), regions=ENGLAND,
    ),
    ProjectType(
        "gigabit", "growth", 4,
        ("Project Gigabit: {region} rural lot {phase}",),
        "Gigabit-capable broadband for premises the market will not reach in {region} "
        "(Project Gigabit type); supplier co-invests in the network",
        "DSIT", "04.6", ("32412100;45232340", "32412100"), (20, 200),
        ("grant",), regions=tuple(r for r in ENGLAND if r != "London") + ("Wales", "Scotland"),
    ),
    ProjectType(
        "ai-compute", "growth", 2,
        ("{place} AI Growth Zone: compute campus and grid connection",),
        "Data centre and AI compute campus with its grid connection in an AI Growth Zone at "
        "{place}",
        "DSIT", "04.6", ("72000000;45213000",), (200, 1000),
        ("loan;equity;guarantee",),
        sites=(("Culham, Oxfordshire", "South East"), ("Blyth and Cambois", "North East")),
        risk="corporate",
    ),
    ProjectType(
        "life-sciences", "growth", 3,
        ("{town} life sciences manufacturing plant",),
        "Vaccine and medicines manufacturing capacity in {town} (Life Sciences Innovative "
        "Manufacturing Fund type), serving NHS supply resilience",
        "DSIT", "04.4;07.4", ("33600000;45213000",), (30, 250),
        ("grant;loan", "grant;equity"), regions=ENGLAND + ("Wales", "Scotland"),
        risk="corporate",
    ),
    # ---- health --------------------------------------------------------------------------
    ProjectType(
        "cdc", "health", 8,
        ("{town} community diagnostic centre",),
        "Community diagnostic centre with CT, MRI, endoscopy and phlebotomy in {town}, "
        "delivered with an independent-sector imaging partner",
        "DHSC", "07.2", ("45215130;33124000", "33111800;85100000"), (10, 60),
        ("grant", "grant;loan"), devolved=True,
    ),
    ProjectType(
        "surgical-hub", "health", 6,
        ("{town} elective surgical hub",),
        "Ring-fenced elective surgical hub (theatres, recovery beds) at the acute trust in "
        "{town} to cut the referral-to-treatment waiting list",
        "DHSC", "07.3", ("45215141", "45215141;85100000"), (15, 90),
        ("grant",), devolved=True, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "new-hospital", "health", 4,
        ("{town} new hospital (New Hospital Programme wave {phase})",),
        "Replacement acute hospital for {town} on a new site (New Hospital Programme type)",
        "DHSC", "07.3", ("45215140",), (350, 1500),
        ("grant",), regions=ENGLAND, grant="none", risk="public", additionality="none",
        restricted_share=0.75,
    ),
    ProjectType(
        "nhs-estate", "health", 5,
        ("{town} NHS estate backlog maintenance and RAAC remediation",),
        "Critical-infrastructure backlog maintenance and removal of RAAC at NHS sites in {town}",
        "DHSC", "07.3", ("45215100",), (20, 250),
        ("grant",), devolved=True, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "mental-health", "health", 5,
        ("{town} mental health crisis centre and inpatient unit",),
        "24/7 mental health crisis assessment centre and modern inpatient beds replacing "
        "dormitory wards in {town}",
        "DHSC", "07.3", ("45215100;85121270", "85111500;45215100"), (10, 120),
        ("grant",), devolved=True, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "nhs-digital", "health", 4,
        ("{region} NHS electronic patient record and digital diagnostics",),
        "Electronic patient records, imaging networks and AI-assisted diagnostics across acute "
        "trusts in {region}",
        "DHSC", "07.3", ("48814400;72212180", "48814000"), (20, 150),
        ("grant",), regions=ENGLAND, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "neighbourhood-health", "health", 5,
        ("{town} neighbourhood health centre",),
        "Neighbourhood health centre co-locating GPs, community nursing, pharmacy and mental "
        "health in {town}; developer-financed with an NHS lease (LIFT type)",
        "DHSC", "07.2", ("45215130;85121100", "45215130"), (8, 60),
        ("grant;loan", "grant;loan;guarantee"), regions=ENGLAND,
    ),
    ProjectType(
        "medtech", "health", 3,
        ("Medtech scale-up co-investment: {medtech}",),
        "Equity co-investment in UK medtech scale-ups in {medtech}, alongside "
        "specialist life-sciences funds",
        "DHSC", "07.5", ("73100000;66122000",), (20, 150),
        ("equity", "grant;equity"), regions=ENGLAND + ("Scotland", "Wales"),
        risk="early", additionality="early",
    ),
    # ---- safer streets -------------------------------------------------------------------
    ProjectType(
        "police-estate", "safer-streets", 6,
        ("{force}: {town} custody suite and police station rebuild",),
        "Replacement custody suite and neighbourhood police station for {force} in {town}",
        "Home Office", "03.1", ("45216111",), (10, 90),
        ("grant",), devolved=True, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "policing-tech", "safer-streets", 5,
        ("{force}: neighbourhood policing mobile data and body-worn video",),
        "Mobile devices, body-worn video and shared case-management for neighbourhood policing "
        "teams in {force}",
        "Home Office", "03.1", ("75241100;48730000", "75241100"), (5, 40),
        ("grant",), devolved=True, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "safer-streets", "safer-streets", 4,
        ("{town} town-centre CCTV and street lighting",),
        "Town-centre CCTV, street lighting and design changes in {town} hotspots (Safer Streets "
        "Fund type), with the business improvement district co-funding",
        "Home Office", "03.6;06.4", ("79710000;45316110", "79710000"), (5, 25),
        ("grant",), regions=ENGLAND + ("Wales",),
    ),
    ProjectType(
        "prison", "safer-streets", 5,
        ("HMP {town} new houseblock (prison capacity programme)",
         "{town} new category C prison"),
        "Additional prison places in modular and permanent houseblocks near {town} (prison "
        "capacity programme type)",
        "MoJ", "03.4", ("45216113",), (60, 1000),
        ("grant",), regions=ENGLAND + ("Wales", "Scotland"), devolved=True, grant="none",
        risk="public", additionality="none", restricted_share=0.6,
    ),
    ProjectType(
        "courts", "safer-streets", 3,
        ("{town} Crown Court refurbishment and backlog capacity",),
        "Courtroom refurbishment and additional sitting capacity in {town} to reduce the Crown "
        "Court backlog",
        "MoJ", "03.3", ("45216112",), (10, 80),
        ("grant",), regions=ENGLAND + ("Wales",), grant="none", risk="public",
        additionality="none",
    ),
    ProjectType(
        "probation", "safer-streets", 2,
        ("{region} probation approved premises and employment hub",),
        "Approved premises places and a resettlement and employment hub for people leaving "
        "prison in {region}",
        "MoJ", "03.4", ("75231200;45215200",), (8, 40),
        ("grant",), regions=ENGLAND + ("Wales",), grant="none", risk="public",
        additionality="none",
    ),
    ProjectType(
        "youth", "safer-streets", 5,
        ("{town} youth hubs and violence reduction programme",),
        "Youth centres, detached youth work and mentoring for young people at risk of serious "
        "violence in {town} (Youth Futures / violence reduction unit type), co-funded by "
        "philanthropy",
        "DCMS", "03.6;09.5", ("80310000;45215200", "80310000"), (5, 30),
        ("grant",), regions=ENGLAND, additionality="early",
    ),
    # ---- opportunity ---------------------------------------------------------------------
    ProjectType(
        "nurseries", "opportunity", 6,
        ("School-based nurseries: {town} wave {phase}",),
        "New and expanded nursery places in primary schools in {town} (school-based nurseries "
        "programme), operated with private and voluntary providers",
        "DfE", "09.1", ("80110000;45214210", "80110000"), (5, 40),
        ("grant",), regions=ENGLAND,
    ),
    ProjectType(
        "school-rebuild", "opportunity", 8,
        ("{town} secondary school rebuild (School Rebuilding Programme)",
         "{town} primary school rebuild (School Rebuilding Programme)"),
        "Rebuild of a school in poor condition in {town}, net zero in operation",
        "DfE", "09.2", ("45214220", "45214210"), (10, 60),
        ("grant",), devolved=True, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "send", "opportunity", 4,
        ("{town} special school (SEND) places",),
        "New special school and resourced provision places for children with special "
        "educational needs in {town}",
        "DfE", "09.1", ("45214230",), (10, 50),
        ("grant",), regions=ENGLAND, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "fe-college", "opportunity", 6,
        ("{town} FE college estate and T Level facilities",),
        "Further education college rebuild and specialist T Level workshops in {town}, with "
        "employer-sponsored equipment",
        "DfE", "09.3", ("45214310;80212000", "45214500"), (10, 80),
        ("grant", "grant;loan"), devolved=True,
    ),
    ProjectType(
        "bootcamps", "opportunity", 4,
        ("Skills Bootcamps: {sector} ({region})",),
        "Employer-designed Skills Bootcamps of up to 16 weeks in {sector} for adults in "
        "{region}, with employers co-funding training for their own staff",
        "DfE", "09.5", ("80530000", "80500000"), (5, 30),
        ("grant",), regions=ENGLAND,
    ),
    ProjectType(
        "clean-skills", "opportunity", 5,
        ("Clean energy workforce: {trade} training centre, {town}",),
        "Training centre and courses for {trade} for the clean energy workforce in {town}, "
        "with energy employers (Clean Energy Jobs Plan type)",
        "DfE", "09.5;04.3", ("80530000;45214800", "80531200"), (5, 50),
        ("grant", "grant;loan"),
    ),
    ProjectType(
        "institute-technology", "opportunity", 3,
        ("{region} Institute of Technology",),
        "Institute of Technology for higher technical skills in engineering and digital in "
        "{region}, a college-university-employer partnership",
        "DfE", "09.4;04.8", ("45214300;80300000",), (15, 80),
        ("grant", "grant;loan"), regions=ENGLAND,
    ),
    ProjectType(
        "nhs-training", "opportunity", 3,
        ("{town} medical school and nursing training expansion",),
        "Teaching space and simulation suites to train more doctors and nurses in {town}, "
        "with the NHS trust and university",
        "DHSC", "09.4;07.3", ("80320000;45214400",), (10, 70),
        ("grant",), regions=ENGLAND, grant="none", risk="public", additionality="none",
    ),
    ProjectType(
        "construction-skills", "opportunity", 2,
        ("{region} construction skills hub for new homes",),
        "Construction skills hubs training bricklayers, carpenters and site managers for the "
        "homes programme in {region}",
        "DfE", "09.5;04.4", ("80530000;45214800",), (5, 40),
        ("grant",), regions=ENGLAND,
    ),
    ProjectType(
        "family-hubs", "opportunity", 3,
        ("{town} Best Start family hub",),
        "Family hub bringing together early-years support, health visiting and parenting "
        "programmes in {town}",
        "DfE", "09.1", ("80110000;45215200",), (5, 20),
        ("grant",), regions=ENGLAND, grant="none", risk="public", additionality="none",
    ),
)


# --- drawing ---------------------------------------------------------------------------------


def _loguniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def _grant_leverage(rng: np.random.Generator, t: ProjectType) -> float:
    if t.grant == "none":
        return 0.0
    if t.first_loss_share and rng.random() < t.first_loss_share:
        return float(rng.uniform(4.0, 12.0))  # ODI: first-loss grant funds, outliers up to 12
    return float(rng.uniform(0.37, 0.75))  # ODI: 0.37 (LICs) to 0.75 (development banks)


def _loan_leverage(rng: np.random.Generator) -> float:
    # NWF target 3 as the median; capped at UKIB's first-year 6.9 (£4.2bn / £610m).
    return float(np.clip(rng.lognormal(math.log(3.0), 0.3), 1.5, 4.2 / 0.61))


def _equity_leverage(rng: np.random.Generator, t: ProjectType) -> float:
    if t.equity == "fund":
        return float(rng.uniform(3.0, 9.0))  # EIB fund stakes of 10-25% of a fund
    return float(np.clip(rng.lognormal(math.log(2.0), 0.25), 1.0, 3.0))  # BPC £7.5bn/£2.5bn - 1


def _guarantee_leverage(rng: np.random.Generator, t: ProjectType) -> float:
    if t.guarantee == "sme":
        cover = 0.70 if rng.random() < 0.5 else 0.75  # GGS 70% / EFG 75% cover
        return 1.0 / cover
    return float(rng.uniform(1.3, 4.0 / 1.8))  # portfolio 1.3 up to UKGS £4bn / £1.8bn


def _risk(rng: np.random.Generator, t: ProjectType, loss_bearing: bool) -> tuple[float, float | None]:
    """Return (pd, lgd); lgd None means 'leave empty' (library default 0.45)."""
    if not loss_bearing or t.risk == "public":
        return 0.0, None
    if t.risk == "infra":
        return float(rng.uniform(0.02, 0.08)), float(rng.uniform(0.35, 0.55))
    if t.risk == "corporate":
        return float(rng.uniform(0.05, 0.15)), float(rng.uniform(0.45, 0.65))
    if t.risk == "sme":
        pd_, lgd = float(rng.uniform(0.08, 0.20)), float(rng.uniform(0.55, 0.70))
        return min(pd_, 0.13 / lgd), lgd  # EFG: claims capped at 13% of the portfolio
    pd_, lgd = float(rng.uniform(0.20, 0.45)), float(rng.uniform(0.70, 0.95))
    return min(pd_, 0.40 / lgd), lgd  # InvestEU provisions 40% of the guarantee


def _additionality(rng: np.random.Generator, t: ProjectType) -> float | None:
    if t.additionality == "none":
        return None  # no private money at stake: library default 1
    if t.additionality == "early":
        return float(rng.uniform(0.80, 0.95))
    return float(np.clip(rng.normal(0.67, 0.06), 0.50, 0.85))  # ECA 2019: 1 - 1/3


def _window(rng: np.random.Generator, t: ProjectType) -> tuple[str, str]:
    if rng.random() >= t.restricted_share:
        return YEARS[0], YEARS[-1]
    kind = rng.integers(3)
    if kind == 0:  # awaiting consent or final investment decision
        return YEARS[int(rng.integers(1, 3))], YEARS[-1]
    if kind == 1:  # a scheme that closes early
        return YEARS[0], YEARS[int(rng.integers(1, 3))]
    start = int(rng.integers(0, 2))
    return YEARS[start], YEARS[start + 2]


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _draw_place(
    rng: np.random.Generator, t: ProjectType, k: int
) -> tuple[str, dict[str, str], str]:
    """Draw (region, template fields, name template) for the k-th project of type ``t``."""
    if t.sites:
        place, region = t.sites[(k + int(rng.integers(len(t.sites)))) % len(t.sites)]
    else:
        region, place = str(rng.choice(t.regions)), ""
    town = str(rng.choice(TOWNS[region]))
    fields = {
        "place": place or town,
        "town": town,
        "region": region,
        "force": str(rng.choice(FORCES[region])),
        "field": str(rng.choice(RESEARCH_FIELDS)),
        "medtech": str(rng.choice(MEDTECH_FIELDS)),
        "trade": str(rng.choice(CLEAN_TRADES)),
        "sector": str(rng.choice(SECTORS)),
        "phase": "",
    }
    return region, fields, t.names[int(rng.integers(len(t.names)))]


def build_rows(seed: int = SEED) -> list[dict[str, str]]:
    """Draw every project of :data:`TYPES` and return the CSV rows as strings.

    Parameters
    ----------
    seed : int
        Seed of the ``numpy.random.default_rng`` stream.

    Returns
    -------
    list of dict
        One dict per project, keys :data:`COLUMNS`, values formatted for the CSV
        (money [£m] to 0.1, ratios to 2-4 decimals, "" for empty cells).
    """
    rng = np.random.default_rng(seed)
    rows: list[dict[str, str]] = []
    counters = dict.fromkeys(PREFIX.values(), 0)
    seen: set[str] = set()
    for t in TYPES:
        for k in range(t.count):
            # Draw a place and a name; redraw (up to 5 times) when the name is taken, then
            # fall back to a phase number: a second project of the same kind in one place.
            for _attempt in range(5):
                region, fields, template = _draw_place(rng, t, k)
                name = template.format(**{**fields, "phase": "1"})
                name = name[0].upper() + name[1:]
                if name not in seen:
                    break
            phase = 1
            while name in seen:
                phase += 1
                name = template.format(**{**fields, "phase": str(phase)})
                name = name[0].upper() + name[1:]
                if "{phase}" not in template:
                    name = f"{name} (phase {phase})"
            seen.add(name)
            fields["phase"] = str(phase)
            description = t.description.format(**fields)

            department = t.department
            if t.devolved and region in DEVOLVED:
                if not (t.department in ("Home Office", "MoJ") and region == "Wales"):
                    department = DEVOLVED[region]

            instruments = t.instruments[int(rng.integers(len(t.instruments)))].split(";")
            capacity = round(_loguniform(rng, *t.capacity), 1)
            lev: dict[str, float] = {}
            for inst in INSTRUMENTS:
                if inst not in instruments:
                    continue
                if inst == "grant":
                    lev[inst] = _grant_leverage(rng, t)
                elif inst == "loan":
                    lev[inst] = _loan_leverage(rng)
                elif inst == "equity":
                    lev[inst] = _equity_leverage(rng, t)
                else:
                    lev[inst] = _guarantee_leverage(rng, t)
            max_lev = max(lev.values())
            if max_lev == 0.0:
                private_capacity: float | None = 0.0
            elif rng.random() < 0.3:
                private_capacity = None  # empty = unlimited
            else:
                private_capacity = round(capacity * max_lev * float(rng.uniform(0.4, 1.0)), 1)

            loss_bearing = any(i != "grant" for i in instruments)
            pd_, lgd = _risk(rng, t, loss_bearing)
            additionality = _additionality(rng, t) if max_lev > 0 else None
            start, end = _window(rng, t)

            prefix = PREFIX[t.lead]
            counters[prefix] += 1
            row = {
                "project_id": f"{prefix}-{counters[prefix]:03d}",
                "name": name,
                "description": description,
                "department": department,
                "region": region,
                "cofog": t.cofog,
                "cpv": t.cpv[int(rng.integers(len(t.cpv)))],
                "capacity": _fmt(capacity, 1),
                "private_capacity": _fmt(private_capacity, 1),
                "instruments": ";".join(instruments),
                "pd": _fmt(pd_, 4),
                "lgd": _fmt(lgd, 3),
                "additionality": _fmt(additionality, 3),
                "start_year": start,
                "end_year": end,
            }
            for inst in INSTRUMENTS:
                row[f"leverage_{inst}"] = _fmt(lev.get(inst), 2)
            rows.append(row)
    rows.sort(key=lambda r: r["project_id"])
    return rows


def render(rows: list[dict[str, str]]) -> str:
    """Render rows as CSV text (header first, ``\\n`` line endings, minimal quoting)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write the pipeline CSV; ``--out`` chooses the path (default scenarios/data/pipeline.csv)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output CSV path")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (default %(default)s)")
    args = parser.parse_args(argv)
    rows = build_rows(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(render(rows).encode("utf-8"))
    print(f"wrote {len(rows)} projects to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
