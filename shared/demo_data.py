"""Demo data for Fælles: communities, contacts, memberships, offers and feedback in Kerteminde Kommune."""

from __future__ import annotations

TOWNS = ["Kerteminde", "Munkebo", "Langeskov", "Birkende", "Marslev", "Dalby", "Mesinge", "Martofte"]

KIOSK_LOCATIONS = ["Kerteminde Bibliotek", "Munkebo Bibliotek", "Langeskov Bibliotek", "Rådhuset, Hans Schacksvej 4"]

DEMO_COORDINATOR = "Demo Koordinator"

COMMUNITIES = [
    {
        "code": "STRIK",
        "town": "Kerteminde",
        "place": "Kerteminde Bibliotek, Strandvejen 5",
        "status": "active",
        "texts": {
            "da": {
                "name": "Strikkecafé",
                "description": "Tag dit strikketøj med og få en kop kaffe. Alle kan være med, også hvis du lige er begyndt.",
                "schedule": "Tirsdage kl. 14-16",
            },
            "en": {
                "name": "Knitting café",
                "description": "Bring your knitting and have a cup of coffee. Everyone is welcome, beginners too.",
                "schedule": "Tuesdays 2-4 pm",
            },
        },
    },
    {
        "code": "FODSLAW",
        "town": "Kerteminde",
        "place": "Foran Fjord&Bælt, Margrethes Plads 1",
        "status": "active",
        "texts": {
            "da": {
                "name": "Gåtur langs fjorden",
                "description": "Vi går ca. 5 km langs Kerteminde Fjord i roligt tempo. Bagefter drikker vi kaffe.",
                "schedule": "Mandage og torsdage kl. 10",
            },
            "en": {
                "name": "Walk along the fjord",
                "description": "We walk about 5 km along Kerteminde Fjord at an easy pace. Afterwards we have coffee.",
                "schedule": "Mondays and Thursdays at 10 am",
            },
        },
    },
    {
        "code": "HAVN",
        "town": "Kerteminde",
        "place": "Kerteminde Havn, ved bådebroen",
        "status": "active",
        "texts": {
            "da": {
                "name": "Havnelauget",
                "description": "Vi passer på de gamle træbåde og holder havnen pæn. Du behøver ikke kunne sejle.",
                "schedule": "Lørdage kl. 9-12",
            },
            "en": {
                "name": "Harbour guild",
                "description": "We look after the old wooden boats and keep the harbour tidy. You do not need to know how to sail.",
                "schedule": "Saturdays 9 am-12 noon",
            },
        },
    },
    {
        "code": "CYKEL",
        "town": "Kerteminde",
        "place": "Kerteminde Ældrecenter, hovedindgangen",
        "status": "active",
        "texts": {
            "da": {
                "name": "Cykling uden alder",
                "description": "Kom med på en tur i cykeltaxa med en frivillig pilot. Mærk vinden og se byen igen.",
                "schedule": "Efter aftale, maj-september",
            },
            "en": {
                "name": "Cycling Without Age",
                "description": "Join a ride in a trishaw with a volunteer pilot. Feel the wind and see the town again.",
                "schedule": "By arrangement, May-September",
            },
        },
    },
    {
        "code": "VINTERBAD",
        "town": "Kerteminde",
        "place": "Nordstranden, Kerteminde",
        "status": "active",
        "texts": {
            "da": {
                "name": "Vinterbadning",
                "description": "Vi bader i havet hele vinteren og varmer os i saunaen bagefter. Nye er altid velkomne.",
                "schedule": "Dagligt kl. 7.30, oktober-april",
            },
            "en": {
                "name": "Winter swimming",
                "description": "We swim in the sea all winter and warm up in the sauna afterwards. Newcomers are always welcome.",
                "schedule": "Daily at 7:30 am, October-April",
            },
        },
    },
    {
        "code": "LEKTIE",
        "town": "Munkebo",
        "place": "Munkebo Bibliotek, Munkebo Centret",
        "status": "active",
        "texts": {
            "da": {
                "name": "Lektiehjælp",
                "description": "Frivillige hjælper børn og unge med lektierne. Kom når det passer dig.",
                "schedule": "Onsdage kl. 15-17",
            },
            "en": {
                "name": "Homework help",
                "description": "Volunteers help children and young people with their homework. Drop in when it suits you.",
                "schedule": "Wednesdays 3-5 pm",
            },
        },
    },
    {
        "code": "ITCAFE",
        "town": "Munkebo",
        "place": "Munkebo Bibliotek, Munkebo Centret",
        "status": "active",
        "texts": {
            "da": {
                "name": "IT-hjælp for seniorer",
                "description": "Få hjælp til mobil, tablet, MitID og e-Boks. Tag din egen med, og spørg bare løs.",
                "schedule": "Mandage kl. 10-12",
            },
            "en": {
                "name": "IT help for seniors",
                "description": "Get help with your phone, tablet, MitID and e-Boks. Bring your own device and ask anything.",
                "schedule": "Mondays 10 am-12 noon",
            },
        },
    },
    {
        "code": "MANDE",
        "town": "Munkebo",
        "place": "Munkebo Aktivitetscenter, værkstedet",
        "status": "active",
        "texts": {
            "da": {
                "name": "Mændenes værksted",
                "description": "Her mødes mænd, laver noget med hænderne og får en god snak. Kaffen er klar.",
                "schedule": "Tirsdage og fredage kl. 9-12",
            },
            "en": {
                "name": "Men's shed",
                "description": "Men meet here, make things with their hands and have a good chat. The coffee is on.",
                "schedule": "Tuesdays and Fridays 9 am-12 noon",
            },
        },
    },
    {
        "code": "REPCAFE",
        "town": "Langeskov",
        "place": "Langeskov Bibliotek, mødelokalet",
        "status": "active",
        "texts": {
            "da": {
                "name": "Reparationscafé",
                "description": "Tag en ting med, der er gået i stykker. Vi prøver at lave den sammen, så den ikke skal smides ud.",
                "schedule": "1. lørdag i måneden kl. 10-13",
            },
            "en": {
                "name": "Repair café",
                "description": "Bring something that is broken. We try to fix it together, so it does not end up in the bin.",
                "schedule": "1st Saturday of the month, 10 am-1 pm",
            },
        },
    },
    {
        "code": "LAESE",
        "town": "Langeskov",
        "place": "Langeskov Bibliotek",
        "status": "active",
        "texts": {
            "da": {
                "name": "Læsekreds",
                "description": "Vi læser den samme bog og mødes til en snak om den. Bøgerne kan du låne på biblioteket.",
                "schedule": "Sidste mandag i måneden kl. 19",
            },
            "en": {
                "name": "Reading circle",
                "description": "We read the same book and meet to talk about it. You can borrow the books at the library.",
                "schedule": "Last Monday of the month at 7 pm",
            },
        },
    },
    {
        "code": "HAVE",
        "town": "Birkende",
        "place": "Haven bag Birkende Forsamlingshus",
        "status": "active",
        "texts": {
            "da": {
                "name": "Fælleshaven i Birkende",
                "description": "Vi dyrker grøntsager og blomster sammen. Der er altid en opgave, stor eller lille.",
                "schedule": "Søndage kl. 10-12, april-oktober",
            },
            "en": {
                "name": "Birkende community garden",
                "description": "We grow vegetables and flowers together. There is always a job, big or small.",
                "schedule": "Sundays 10 am-12 noon, Apr-Oct",
            },
        },
    },
    {
        "code": "SYNG",
        "town": "Marslev",
        "place": "Marslev Sognegård",
        "status": "active",
        "texts": {
            "da": {
                "name": "Marslev Kor",
                "description": "Vi synger kendte danske sange og lidt nyt. Du behøver ikke kunne læse noder.",
                "schedule": "Torsdage kl. 19-21",
            },
            "en": {
                "name": "Marslev Choir",
                "description": "We sing well-known Danish songs and a few new ones. You do not need to read music.",
                "schedule": "Thursdays 7-9 pm",
            },
        },
    },
    {
        "code": "SKAK",
        "town": "Dalby",
        "place": "Dalby Forsamlingshus",
        "status": "paused",
        "texts": {
            "da": {
                "name": "Skakklubben i Dalby",
                "description": "Vi spiller skak for sjov. Er du ny, kan du lære spillet af de garvede.",
                "schedule": "Onsdage kl. 19-22",
            },
            "en": {
                "name": "Dalby chess club",
                "description": "We play chess for fun. If you are new, you can learn the game from the old hands.",
                "schedule": "Wednesdays 7-10 pm",
            },
        },
    },
    {
        "code": "BOULE",
        "town": "Dalby",
        "place": "Petanquebanen ved Dalby Forsamlingshus",
        "status": "active",
        "texts": {
            "da": {
                "name": "Petanque i Dalby",
                "description": "Vi spiller petanque og hygger os med kaffe bagefter. Du kan låne kugler.",
                "schedule": "Fredage kl. 14-16",
            },
            "en": {
                "name": "Petanque in Dalby",
                "description": "We play petanque and have coffee together afterwards. You can borrow the boules.",
                "schedule": "Fridays 2-4 pm",
            },
        },
    },
    {
        "code": "SPIS",
        "town": "Mesinge",
        "place": "Mesinge Forsamlingshus",
        "status": "active",
        "texts": {
            "da": {
                "name": "Fællesspisning i Mesinge",
                "description": "Vi laver mad sammen og spiser ved lange borde. Tag gerne en nabo med.",
                "schedule": "2. fredag i måneden kl. 18",
            },
            "en": {
                "name": "Community dinner in Mesinge",
                "description": "We cook together and eat at long tables. Feel free to bring a neighbour.",
                "schedule": "2nd Friday of the month at 6 pm",
            },
        },
    },
    {
        "code": "RENKYST",
        "town": "Martofte",
        "place": "P-pladsen ved Fyns Hoved",
        "status": "active",
        "texts": {
            "da": {
                "name": "Ren kyst på Hindsholm",
                "description": "Vi samler affald på stranden og i naturen. Handsker og poser får du af os.",
                "schedule": "1. søndag i måneden kl. 10",
            },
            "en": {
                "name": "Clean coast on Hindsholm",
                "description": "We pick up litter on the beach and in nature. We give you gloves and bags.",
                "schedule": "1st Sunday of the month at 10 am",
            },
        },
    },
]

CONTACTS = [
    {"phone": "+4520110101", "language": "da"},
    {"phone": "+4520110202", "language": "da"},
    {"phone": "+4520110303", "language": "en"},
    {"phone": "+4520110404", "language": "da"},
    {"phone": "+4520110505", "language": "da"},
    {"phone": "+4520110606", "language": "da"},
    {"phone": "+4520110707", "language": "en"},
    {"phone": "+4520110808", "language": "da"},
    {"phone": "+4520110909", "language": "da"},
    {"phone": "+4520111010", "language": "ar"},
    {"phone": "+4520111111", "language": "uk"},
]

# (phone, community code, channel, kiosk location)
MEMBERSHIPS = [
    ("+4520110101", "STRIK", "sms", None),
    ("+4520110101", "FODSLAW", "sms", None),
    ("+4520110202", "LEKTIE", "kiosk", "Munkebo Bibliotek"),
    ("+4520110202", "ITCAFE", "kiosk", "Munkebo Bibliotek"),
    ("+4520110303", "VINTERBAD", "sms", None),
    ("+4520110303", "REPCAFE", "sms", None),
    ("+4520110404", "HAVN", "sms", None),
    ("+4520110404", "MANDE", "kiosk", "Munkebo Bibliotek"),
    ("+4520110505", "LAESE", "kiosk", "Langeskov Bibliotek"),
    ("+4520110505", "SYNG", "sms", None),
    ("+4520110606", "CYKEL", "kiosk", "Kerteminde Bibliotek"),
    ("+4520110606", "STRIK", "kiosk", "Kerteminde Bibliotek"),
    ("+4520110707", "FODSLAW", "sms", None),
    ("+4520110808", "HAVE", "sms", None),
    ("+4520110808", "SPIS", "kiosk", "Rådhuset, Hans Schacksvej 4"),
    ("+4520110909", "RENKYST", "sms", None),
    # Homework help in Munkebo reads three languages: an SMS to it shows the texts per language.
    ("+4520111010", "LEKTIE", "sms", None),
    ("+4520111111", "LEKTIE", "kiosk", "Munkebo Bibliotek"),
]

OFFERS = [
    {
        "phone": "+4520110101",
        "category": "time",
        "description": "Jeg kan gå en tur med en nabo, der ikke har lyst til at gå alene.",
        "town": "Kerteminde",
        "availability": "Hverdage før kl. 12",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": "+4520110404",
        "category": "knowhow",
        "description": "Jeg er tømrer på pension og kan hjælpe med små reparationer i hjemmet.",
        "town": "Munkebo",
        "availability": "Weekender",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": None,
        "category": "things",
        "description": "Jeg har en trailer og en god boremaskine. Naboer må gerne låne dem.",
        "town": "Kerteminde",
        "availability": None,
        "channel": "kiosk",
        "location": "Kerteminde Bibliotek",
    },
    {
        "phone": "+4520110808",
        "category": "room",
        "description": "Vores gamle stald kan bruges til møder eller værksted. Der er plads til 20.",
        "town": "Birkende",
        "availability": "Efter aftale",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": "+4520110303",
        "category": "transport",
        "description": "I drive to Odense every Thursday morning and have room for two passengers.",
        "town": "Langeskov",
        "availability": "Thursdays, leaving at 8 am",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": "+4520110505",
        "category": "initiative",
        "description": "Jeg vil gerne starte en gruppe, hvor børnefamilier spiller brætspil sammen.",
        "town": "Langeskov",
        "availability": "Søndag eftermiddag",
        "channel": "kiosk",
        "location": "Langeskov Bibliotek",
    },
    {
        "phone": "+4520110909",
        "category": "time",
        "description": "Jeg kan læse højt for de ældre på plejehjemmet en gang om ugen.",
        "town": "Martofte",
        "availability": "Onsdage",
        "channel": "sms",
        "location": None,
    },
]

FEEDBACK = [
    {
        "phone": None,
        "kind": "ros",
        "text": "Tak for IT-hjælpen på biblioteket. Nu kan jeg selv læse mine breve i e-Boks.",
        "rating": 5,
        "town": "Munkebo",
        "channel": "kiosk",
        "location": "Munkebo Bibliotek",
    },
    {
        "phone": "+4520110101",
        "kind": "ros",
        "text": "Stien langs Kerteminde Fjord er blevet rigtig fin. Tak til dem, der har ryddet den.",
        "rating": 4,
        "town": "Kerteminde",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": "+4520110505",
        "kind": "ris",
        "text": "Stien ned til stationen er helt mørk om vinteren. Der mangler lys.",
        "rating": 2,
        "town": "Langeskov",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": "+4520110909",
        "kind": "ris",
        "text": "Der går for få busser fra Martofte til Odense om aftenen. Man kan ikke komme hjem.",
        "rating": 1,
        "town": "Martofte",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": None,
        "kind": "ide",
        "text": "Sæt en bænk ved havnen tæt på fiskerbådene. Så kan man sidde og kigge lidt.",
        "rating": None,
        "town": "Kerteminde",
        "channel": "kiosk",
        "location": "Rådhuset, Hans Schacksvej 4",
    },
    {
        "phone": "+4520110707",
        "kind": "ide",
        "text": "Could the library open on Sunday mornings? It would be a nice place to meet people.",
        "rating": None,
        "town": "Kerteminde",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": None,
        "kind": "ide",
        "text": "Lav en hylde på biblioteket, hvor vi kan bytte frø og planter.",
        "rating": None,
        "town": "Langeskov",
        "channel": "kiosk",
        "location": "Langeskov Bibliotek",
    },
]

# Texts that were no keyword: they wait in coordinator mode's inbox. (phone, text)
UNSORTED = [
    ("+4520110404", "Jeg bor alene på Hindsholm, og min mand døde i foråret. Jeg vil gerne lære"
                    " nogen at kende, men jeg kører ikke bil mere. Er der nogen, der kan hjælpe?"),
    ("+4520111010", "مرحبا، وصلت إلى كيرتيمينده مع عائلتي. أين يمكن لأطفالي أن يلعبوا كرة القدم؟"),
    ("+4520111111", "Добрий день! Я медсестра і хочу допомагати літнім людям у Мункебо."),
]

# What three citizens need a hand with: coordinator mode's Needs tab suggests the
# offers that fit once those are approved (the lift to Odense, the retired carpenter).
NEEDS = [
    {
        "phone": "+4520110707",
        "category": "transport",
        "description": "I need a lift to Odense University Hospital on Thursday morning.",
        "town": "Langeskov",
        "when": "Thursday morning",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": "+4520110202",
        "category": "knowhow",
        "description": "Min køkkenlåge er faldet af, og skuffen klemmer. Kan en nabo hjælpe"
                       " med en lille reparation?",
        "town": "Munkebo",
        "when": "Gerne en weekend",
        "channel": "sms",
        "location": None,
    },
    {
        "phone": "+4520110606",
        "category": "things",
        "description": "Jeg skal af med haveaffald og mangler en trailer at låne.",
        "town": "Kerteminde",
        "when": None,
        "channel": "kiosk",
        "location": "Kerteminde Bibliotek",
    },
]
