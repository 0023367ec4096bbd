"""Roles and the permissions they grant.

A permission is granted by a role *within a scope* (brand, region, store or location): a store
manager holds ``inventory.adjust`` for their store only. Every API operation names one
permission; scope filtering happens in selectors and services.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    HQ_ADMIN = "hq_admin"
    REGIONAL_MANAGER = "regional_manager"
    STORE_MANAGER = "store_manager"
    CASHIER = "cashier"
    WAREHOUSE_CLERK = "warehouse_clerk"
    MARKETER = "marketer"
    FINANCE = "finance"
    ANALYST = "analyst"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"


ROLE_LABELS = {
    Role.HQ_ADMIN: _("HQ administrator"),
    Role.REGIONAL_MANAGER: _("Regional manager"),
    Role.STORE_MANAGER: _("Store manager"),
    Role.CASHIER: _("Cashier"),
    Role.WAREHOUSE_CLERK: _("Warehouse clerk"),
    Role.MARKETER: _("Marketer"),
    Role.FINANCE: _("Finance"),
    Role.ANALYST: _("HQ analyst"),
    Role.SUPPLIER: _("Supplier"),
    Role.CUSTOMER: _("Customer"),
}


class Perm(StrEnum):
    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    ACCOUNTS_VIEW = "accounts.view"
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_VIEW = "audit.view"
    DEVICES_MANAGE = "devices.manage"
    WEBHOOKS_MANAGE = "webhooks.manage"
    CATALOG_VIEW = "catalog.view"
    CATALOG_MANAGE = "catalog.manage"
    CATALOG_PRICE = "catalog.price"
    INVENTORY_VIEW = "inventory.view"
    INVENTORY_MOVE = "inventory.move"
    INVENTORY_RESERVE = "inventory.reserve"
    INVENTORY_TRANSFER = "inventory.transfer"
    INVENTORY_COUNT = "inventory.count"
    INVENTORY_APPROVE = "inventory.approve"
    MEMBERS_VIEW = "members.view"
    MEMBERS_REGISTER = "members.register"
    MEMBERS_MANAGE = "members.manage"
    MEMBERS_PII = "members.pii"
    MEMBERS_POINTS_ADJUST = "members.points_adjust"
    MEMBERS_PRIVACY = "members.privacy"
    MEMBERS_SELF = "members.self"
    PROMOTIONS_VIEW = "promotions.view"
    PROMOTIONS_MANAGE = "promotions.manage"
    PROMOTIONS_PRICE_CART = "promotions.price_cart"
    ORDERS_VIEW = "orders.view"
    ORDERS_CREATE = "orders.create"
    ORDERS_FULFIL = "orders.fulfil"
    ORDERS_MANAGE = "orders.manage"
    ORDERS_IMPORT = "orders.import"
    ORDERS_SELF = "orders.self"
    POS_OPERATE = "pos.operate"
    POS_SUPERVISE = "pos.supervise"
    PAYMENTS_TAKE = "payments.take"
    PAYMENTS_REFUND = "payments.refund"
    PAYMENTS_VIEW = "payments.view"
    PAYMENTS_RECONCILE = "payments.reconcile"
    RISK_REVIEW = "risk.review"
    ANALYTICS_VIEW = "analytics.view"
    ANALYTICS_EXPORT = "analytics.export"
    ANALYTICS_MANAGE = "analytics.manage"


_VIEW_BASICS = {
    Perm.ORG_VIEW,
    Perm.CATALOG_VIEW,
    Perm.INVENTORY_VIEW,
    Perm.PROMOTIONS_VIEW,
    Perm.PROMOTIONS_PRICE_CART,
}
_STORE_OPS = _VIEW_BASICS | {
    Perm.INVENTORY_MOVE,
    Perm.INVENTORY_RESERVE,
    Perm.INVENTORY_TRANSFER,
    Perm.INVENTORY_COUNT,
}

_MEMBER_DESK = {Perm.MEMBERS_VIEW, Perm.MEMBERS_REGISTER, Perm.MEMBERS_MANAGE}
_ORDER_DESK = {Perm.ORDERS_VIEW, Perm.ORDERS_CREATE, Perm.ORDERS_FULFIL}
_TILL = {Perm.POS_OPERATE, Perm.PAYMENTS_TAKE, Perm.PAYMENTS_VIEW}
_TILL_SUPERVISOR = _TILL | {Perm.POS_SUPERVISE, Perm.PAYMENTS_REFUND}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.HQ_ADMIN: frozenset(Perm),
    Role.REGIONAL_MANAGER: frozenset(
        _STORE_OPS
        | _MEMBER_DESK
        | _ORDER_DESK
        | _TILL_SUPERVISOR
        | {Perm.ORDERS_MANAGE}
        | {Perm.ACCOUNTS_VIEW, Perm.AUDIT_VIEW, Perm.INVENTORY_APPROVE, Perm.DEVICES_MANAGE}
        | {Perm.RISK_REVIEW, Perm.ANALYTICS_VIEW, Perm.ANALYTICS_EXPORT}
    ),
    Role.STORE_MANAGER: frozenset(
        _STORE_OPS
        | _MEMBER_DESK
        | _ORDER_DESK
        | _TILL_SUPERVISOR
        | {Perm.ORDERS_MANAGE}
        | {Perm.ACCOUNTS_VIEW, Perm.INVENTORY_APPROVE, Perm.DEVICES_MANAGE}
        | {Perm.MEMBERS_PII, Perm.MEMBERS_POINTS_ADJUST}
        | {Perm.RISK_REVIEW, Perm.ANALYTICS_VIEW, Perm.ANALYTICS_EXPORT}
    ),
    Role.CASHIER: frozenset(
        _VIEW_BASICS
        | _ORDER_DESK
        | _TILL
        | {Perm.INVENTORY_RESERVE, Perm.MEMBERS_VIEW, Perm.MEMBERS_REGISTER}
    ),
    Role.WAREHOUSE_CLERK: frozenset(_STORE_OPS | {Perm.ORDERS_VIEW, Perm.ORDERS_FULFIL}),
    Role.MARKETER: frozenset(
        {Perm.ORG_VIEW, Perm.CATALOG_VIEW, Perm.CATALOG_PRICE, Perm.MEMBERS_VIEW}
        | {Perm.PROMOTIONS_VIEW, Perm.PROMOTIONS_MANAGE, Perm.PROMOTIONS_PRICE_CART}
        | {Perm.ANALYTICS_VIEW}
    ),
    Role.FINANCE: frozenset(
        _VIEW_BASICS
        | {Perm.AUDIT_VIEW, Perm.MEMBERS_VIEW, Perm.ORDERS_VIEW}
        | {Perm.PAYMENTS_VIEW, Perm.PAYMENTS_RECONCILE, Perm.PAYMENTS_REFUND}
        | {Perm.RISK_REVIEW, Perm.ANALYTICS_VIEW, Perm.ANALYTICS_EXPORT}
    ),
    Role.ANALYST: frozenset(
        _VIEW_BASICS
        | {Perm.MEMBERS_VIEW, Perm.ORDERS_VIEW}
        | {Perm.ANALYTICS_VIEW, Perm.ANALYTICS_EXPORT, Perm.ANALYTICS_MANAGE}
    ),
    Role.SUPPLIER: frozenset({Perm.CATALOG_VIEW}),
    Role.CUSTOMER: frozenset({Perm.MEMBERS_SELF, Perm.PROMOTIONS_PRICE_CART, Perm.ORDERS_SELF}),
}

# Roles whose scope is the whole brand, a region, or a store/location.
BRAND_ROLES = {
    Role.HQ_ADMIN,
    Role.MARKETER,
    Role.FINANCE,
    Role.ANALYST,
    Role.SUPPLIER,
    Role.CUSTOMER,
}
REGION_ROLES = {Role.REGIONAL_MANAGER}
STORE_ROLES = {Role.STORE_MANAGER, Role.CASHIER, Role.WAREHOUSE_CLERK}
