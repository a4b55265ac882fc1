"""The imitation's document sets: twelve KORUS documents, and N generated ones for the benchmarks.

The KORUS documents carry the real document numbers, dates, agencies and, where other-sources.md gives them,
citations and dockets. Their titles, abstracts, dates, texts and other page numbers are WRITTEN FOR THE TESTS, in
the Federal Register's manner; they are not copied from the documents and must not be quoted as them."""

from __future__ import annotations

import random
from datetime import date, timedelta

from testkit.federal_register.documents import FrDocument
from testkit.federal_register.register import FederalRegister

USTR = "trade-representative-office-of-united-states"
USITC = "international-trade-commission"
CBP = "u-s-customs-and-border-protection"
DHS = "homeland-security-department"
TREASURY = "treasury-department"
ITA = "international-trade-administration"
COMMERCE = "commerce-department"
EOP = "executive-office-of-the-president"
USDA = "agriculture-department"

KORUS_TERM = 'KORUS | "Korea Free Trade Agreement"'
# The same number named two documents (a census of the whole API found seven such numbers).
SAME_NUMBER = "2010-31094"
SAME_NUMBER_DATES = (date(2010, 1, 6), date(2010, 12, 10))

_USTR_CONTACT = (
    "Office of Korea, Office of the United States Trade Representative, 600 17th Street NW., Washington, DC 20508, "
    "telephone (202) 395-6813."
)


def korus_documents() -> list[FrDocument]:
    return [
        FrDocument(
            document_number="E6-1770", publication_date=date(2006, 2, 9), type="Notice", agencies=(USTR,),
            title="Request for Comments and Notice of Public Hearing Concerning Proposed United States-Korea Free "
                  "Trade Agreement",
            abstract="The United States intends to initiate negotiations with the Republic of Korea on a free trade "
                     "agreement. The interagency Trade Policy Staff Committee (TPSC) invites written comments and "
                     "oral testimony on matters relevant to the negotiations.",
            action="Notice of intent to initiate negotiations; request for comments; notice of public hearing.",
            dates="Written comments are due by noon, March 14, 2006. The public hearing will be held on March 14, "
                  "2006.",
            contact=_USTR_CONTACT,
            paragraphs=[
                "On February 2, 2006, the United States Trade Representative notified the Congress of the "
                "President's intent to enter into negotiations for a free trade agreement with the Republic of "
                "Korea.",
                "The TPSC invites comments on the economic costs and benefits to United States producers and "
                "consumers of the removal of tariffs and non-tariff barriers on trade with Korea, and on other "
                "matters relevant to the proposed agreement.",
                "Persons wishing to testify at the hearing must provide written notification of their intention by "
                "March 3, 2006. Comments are to be submitted to FR0601@ustr.eop.gov, as described at "
                "https://ustr.gov/trade-agreements/free-trade-agreements/korus-fta.",
            ],
            signature="Carmen Suro-Bredie, Chairman, Trade Policy Staff Committee.",
            volume=71, start_page=6820, end_page=6822,
        ),
        FrDocument(
            document_number="E9-17800", publication_date=date(2009, 7, 27), type="Notice", agencies=(USTR,),
            title="Request for Comments on the Pending United States-Korea Free Trade Agreement",
            abstract="The Office of the United States Trade Representative seeks comments from the public on "
                     "outstanding concerns with the pending United States-Korea Free Trade Agreement (KORUS FTA).",
            action="Notice and request for public comment.",
            dates="Comments are due by September 15, 2009.",
            contact=_USTR_CONTACT,
            paragraphs=[
                "The KORUS FTA was signed on June 30, 2007. The Administration is reviewing the agreement and "
                "invites comments on issues that remain of concern, in particular trade in automobiles and beef.",
                "Comments should be submitted electronically through http://www.regulations.gov, docket number "
                "USTR-2009-0025.",
            ],
            docket_ids=["USTR-2009-0025"],
            signature="Wendy Cutler, Assistant United States Trade Representative for Japan, Korea and APEC Affairs.",
            volume=74, start_page=37084, end_page=37085,
        ),
        FrDocument(
            document_number=SAME_NUMBER, publication_date=SAME_NUMBER_DATES[0], type="Notice",
            agencies=(COMMERCE, ITA),
            title="Certain Steel Nails From the Republic of Korea: Preliminary Results of Antidumping Duty "
                  "Administrative Review",
            abstract="The Department of Commerce is conducting an administrative review of the antidumping duty "
                     "order on certain steel nails from the Republic of Korea.",
            action="Notice of preliminary results of antidumping duty administrative review.",
            dates="Effective Date: January 6, 2010.",
            paragraphs=[
                "The review covers one producer and exporter of the subject merchandise for the period of review "
                "from January 1, 2008, through December 31, 2008.",
                "Interested parties may submit case briefs within 30 days of the publication of this notice.",
            ],
            effective_on=date(2010, 1, 6),
            volume=75, start_page=868, end_page=871,
        ),
        FrDocument(
            document_number=SAME_NUMBER, publication_date=SAME_NUMBER_DATES[1], type="Notice", agencies=(USTR,),
            title="Request for Comments on the Supplemental Agreement Concerning the United States-Korea Free Trade "
                  "Agreement",
            abstract="On December 3, 2010, the United States and Korea concluded an agreement addressing trade in "
                     "automobiles under the KORUS FTA. USTR invites comments on the supplemental agreement.",
            action="Notice and request for comments.",
            dates="Comments are due by January 10, 2011.",
            contact=_USTR_CONTACT,
            paragraphs=[
                "The supplemental agreement modifies the staging of tariff reductions on automobiles and "
                "establishes a special safeguard mechanism for motor vehicles.",
                "The texts of the letters exchanged are available at "
                "https://ustr.gov/trade-agreements/free-trade-agreements/korus-fta/final-text.",
            ],
            docket_ids=["USTR-2010-0035"],
            volume=75, start_page=77028, end_page=77029,
        ),
        FrDocument(
            document_number="2012-5912", publication_date=date(2012, 3, 9), type="Presidential Document",
            agencies=(EOP,), subtype="Proclamation", presidential_document_number="8783",
            title="To Implement the United States-Korea Free Trade Agreement",
            abstract=None,
            paragraphs=[
                "By the President of the United States of America",
                "A Proclamation",
                "1. On June 30, 2007, the United States entered into the United States-Korea Free Trade Agreement "
                "(the \"Agreement\"). The Congress approved the Agreement in section 101(a) of the United "
                "States-Korea Free Trade Agreement Implementation Act (the \"Act\").",
                "2. Section 201 of the Act authorizes the President to proclaim such modifications or continuation "
                "of any duty as the President determines to be necessary or appropriate to carry out the "
                "Agreement.",
                "NOW, THEREFORE, I, BARACK OBAMA, President of the United States of America, do proclaim that the "
                "Harmonized Tariff Schedule of the United States is modified as provided in the Annex to this "
                "proclamation, effective with respect to goods entered on or after March 15, 2012.",
            ],
            signing_date=date(2012, 3, 6),
            volume=77, start_page=14265, end_page=14267,
        ),
        FrDocument(
            document_number="2012-6554", publication_date=date(2012, 3, 16), type="Rule",
            agencies=(DHS, CBP, TREASURY),
            title="United States-Korea Free Trade Agreement",
            abstract="This document amends the U.S. Customs and Border Protection regulations on an interim basis "
                     "to implement the preferential tariff treatment and other customs-related provisions of the "
                     "United States-Korea Free Trade Agreement.",
            action="Interim regulations; solicitation of comments.",
            dates="Interim rule effective March 16, 2012; comments must be received on or before May 15, 2012.",
            contact="Seth Mazze, Trade and Commercial Regulations Branch, Regulations and Rulings, Office of "
                    "International Trade, (202) 325-0000.",
            paragraphs=[
                "The United States-Korea Free Trade Agreement (KORUS) entered into force on March 15, 2012.",
                "This interim rule adds a new subpart to part 10 of the CBP regulations setting out the claims for "
                "preferential tariff treatment under the KORUS and the verification of the origin of goods.",
                "Comments may be submitted through the Federal eRulemaking Portal at http://www.regulations.gov, "
                "docket number USCBP-2012-0007.",
            ],
            effective_on=date(2012, 3, 16), comments_close_on=date(2012, 5, 15), docket_ids=["USCBP-2012-0007"],
            regulation_id_numbers=["1515-AD82"], regulations_dot_gov_document_id="USCBP-2012-0007-0001",
            comment_count=4, page_views=2140,
            signature="David V. Aguilar, Acting Commissioner, U.S. Customs and Border Protection.",
            volume=77, start_page=15943, end_page=15962,
        ),
        FrDocument(
            document_number="2012-7566", publication_date=date(2012, 3, 29), type="Notice", agencies=(USITC,),
            title="U.S.-Korea Free Trade Agreement: Advice on the Probable Economic Effect of Certain Modifications "
                  "to the Rules of Origin",
            abstract="Following receipt of a request from the United States Trade Representative, the Commission "
                     "instituted investigation No. FTA-103-026.",
            action="Institution of investigation and scheduling of public hearing.",
            dates="April 26, 2012: Deadline for filing requests to appear at the public hearing.",
            paragraphs=[
                "The Commission will provide advice on the probable economic effect of the proposed modifications "
                "to the rules of origin of the U.S.-Korea Free Trade Agreement on industries in the United States "
                "producing the articles concerned.",
                "All written submissions should be addressed to the Secretary, United States International Trade "
                "Commission, and filed through https://edis.usitc.gov.",
            ],
            docket_ids=["Investigation No. FTA-103-026"],
            signature="By order of the Commission. Lisa R. Barton, Acting Secretary to the Commission.",
            volume=77, start_page=19034, end_page=19035,
        ),
        FrDocument(
            document_number="2013-12849", publication_date=date(2013, 5, 30), type="Rule",
            agencies=(DHS, CBP, TREASURY),
            title="United States-Korea Free Trade Agreement",
            abstract="This document adopts as a final rule, with certain changes, the interim regulations that "
                     "implemented the preferential tariff treatment and other customs-related provisions of the "
                     "United States-Korea Free Trade Agreement.",
            action="Final rule.",
            dates="Final rule effective May 30, 2013.",
            paragraphs=[
                "On March 16, 2012, CBP published interim regulations implementing the KORUS (77 FR 15943). Four "
                "commenters responded to the solicitation of comments.",
                "After review of the comments, CBP adopts the interim regulations as final with the changes "
                "discussed in this document.",
            ],
            effective_on=date(2013, 5, 30), docket_ids=["USCBP-2012-0007"], regulation_id_numbers=["1515-AD82"],
            volume=78, start_page=32356, end_page=32364,
        ),
        FrDocument(
            document_number="2018-08015", publication_date=date(2018, 4, 17), type="Notice", agencies=(USITC,),
            title="U.S.-Korea Free Trade Agreement: Advice on Modifications to the Rules of Origin for Certain "
                  "Textile Goods",
            abstract="The Commission instituted investigation No. FTA-103-031 to provide advice on proposed "
                     "modifications to the KORUS rules of origin.",
            action="Institution of investigation.",
            dates="May 8, 2018: Deadline for filing written submissions.",
            paragraphs=[
                "As requested by the United States Trade Representative, the Commission will advise on the probable "
                "effect of the proposed modifications on trade under the agreement.",
            ],
            docket_ids=["Investigation No. FTA-103-031"],
            volume=83, start_page=16898, end_page=16899,
        ),
        FrDocument(
            document_number="2022-16049", publication_date=date(2022, 7, 27), type="Notice", agencies=(USITC,),
            title="U.S.-Korea Free Trade Agreement: Advice on the Probable Economic Effect of Modifications to the "
                  "Rules of Origin",
            abstract="The Commission instituted investigation No. FTA-103-033 following a request from the United "
                     "States Trade Representative under the United States-Korea Free Trade Agreement Implementation "
                     "Act.",
            action="Institution of investigation.",
            dates="August 19, 2022: Deadline for filing written submissions.",
            paragraphs=[
                "The Commission will provide its advice to the USTR by October 21, 2022.",
                "Submissions are to be filed through https://edis.usitc.gov.",
            ],
            docket_ids=["Investigation No. FTA-103-033"],
            volume=87, start_page=45128, end_page=45129,
        ),
        FrDocument(
            document_number="2024-14094", publication_date=date(2024, 7, 2), type="Notice", agencies=(USTR,),
            title="Notice of Korea's Completion of Domestic Procedures for a Modification of the Rules of Origin "
                  "Under the United States-Korea Free Trade Agreement",
            abstract="The United States Trade Representative announces that Korea has completed its domestic "
                     "procedures for a modification of the KORUS rules of origin, and the date on which the "
                     "modification takes effect.",
            action="Notice.",
            dates="The modification takes effect on August 1, 2024.",
            contact=_USTR_CONTACT,
            paragraphs=[
                "The Joint Committee of the KORUS agreed to modify the rules of origin for certain goods. Korea "
                "notified the United States that it has completed its domestic procedures.",
                "The modification is set out in the annex to this notice and at "
                "https://ustr.gov/trade-agreements/free-trade-agreements/korus-fta/final-text.",
            ],
            effective_on=date(2024, 8, 1), docket_ids=["USTR-2024-0009"], page_views=311,
            signature="Katherine Tai, United States Trade Representative.",
            volume=89, start_page=54950, end_page=54950,
        ),
        FrDocument(
            document_number="2025-21940", publication_date=date(2025, 12, 4), type="Notice", agencies=(USTR,),
            title="Request for Comments on the Operation of the United States-Korea Free Trade Agreement",
            abstract="USTR invites comments on the operation of the KORUS FTA ahead of the Joint Committee's "
                     "review of the agreement.",
            action="Notice and request for comments.",
            dates="Comments must be received by January 5, 2026.",
            contact=_USTR_CONTACT,
            paragraphs=[
                "Submit comments through https://comments.ustr.gov, docket USTR-2025-0021.",
            ],
            comments_close_on=date(2026, 1, 5), docket_ids=["USTR-2025-0021"],
            regulations_dot_gov_document_id="USTR-2025-0021-0001",
            volume=90, start_page=55964, end_page=55965,
        ),
    ]


def korus_register() -> FederalRegister:
    return FederalRegister(korus_documents())


_GENERATED_AGENCIES = ((USTR,), (USITC,), (DHS, CBP, TREASURY), (COMMERCE, ITA))
_GENERATED_TYPES = ("Notice", "Notice", "Notice", "Rule", "Proposed Rule")
_SUBJECTS = (
    "Rules of Origin", "Tariff Rate Quotas", "Textile and Apparel Goods", "Automotive Safety Standards",
    "Agricultural Safeguard Measures", "Customs Procedures", "Pharmaceutical Pricing", "Services and Investment",
)


def generated_register(count: int, seed: int = 0, year: int = 2012, unrelated: int = 0) -> FederalRegister:
    """`count` documents that mention KORUS, published over `year`'s weekdays with rising numbers and pages, from
    the KORUS agencies; and `unrelated` others (Agriculture notices that do not) among them."""
    chooser = random.Random(seed)
    days = [day for day in _days(year) if day.weekday() < 5]
    total = count + unrelated
    related = set(chooser.sample(range(total), count))
    documents, page = [], 1
    for index in range(total):
        day = days[index * len(days) // total]
        kind = chooser.choice(_GENERATED_TYPES)
        subject = chooser.choice(_SUBJECTS)
        length = chooser.randint(1, 6)
        if index in related:
            agencies = chooser.choice(_GENERATED_AGENCIES)
            title = f"United States-Korea Free Trade Agreement: {subject} ({index + 1})"
            paragraphs = [
                f"This {kind.lower()} concerns {subject.lower()} under the United States-Korea Free Trade Agreement "
                f"(KORUS), item {index + 1} of the generated set.",
                *(f"Paragraph {n} of the generated text on {subject.lower()}, with the detail a reader checks: "
                  f"the staging category, the tariff line and the date of {day:%B %d, %Y}." for n in range(2, 6)),
            ]
            abstract = f"Action on {subject.lower()} under the KORUS."
        else:
            agencies, subject = (USDA,), "Marketing Orders"
            title = f"Marketing Order Regulating the Handling of Fresh Produce ({index + 1})"
            paragraphs = [f"This {kind.lower()} concerns a marketing order, item {index + 1} of the generated set."]
            abstract = "Action on a domestic marketing order."
        documents.append(FrDocument(
            document_number=f"{year}-{1000 + index * 13}", publication_date=day, type=kind, agencies=agencies,
            title=title, abstract=abstract, paragraphs=paragraphs, action=f"{kind}.",
            volume=year - 1935, start_page=page, end_page=page + length - 1,
        ))
        page += length
    return FederalRegister(documents)


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]
