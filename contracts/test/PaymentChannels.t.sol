// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";
import {IPaymentChannels} from "../src/interfaces/IPaymentChannels.sol";
import {ReentrancyLock} from "../src/utils/ReentrancyLock.sol";
import {SottoTestToken} from "../src/test/SottoTestToken.sol";
import {ReentrantToken} from "./helpers/ReentrantToken.sol";

/// @dev Ticket hashing written independently of the contract (from docs/architecture.md), and signing.
abstract contract TicketSigning is Test {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant TICKET_TYPEHASH =
        keccak256("Ticket(bytes32 channelId,uint64 epoch,uint128 cumulative,uint64 index,bytes32 challenge)");

    function _ticketDigest(
        uint256 chainId,
        address verifyingContract,
        bytes32 id,
        uint64 epoch,
        uint128 cumulative,
        uint64 index,
        bytes32 challenge
    ) internal pure returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Sotto PaymentChannels"), keccak256("1"), chainId, verifyingContract)
        );
        bytes32 structHash = keccak256(abi.encode(TICKET_TYPEHASH, id, epoch, cumulative, index, challenge));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    /// @dev A redemption of a ticket signed by `signerKey` under (chainId, verifyingContract).
    function _ticket(
        uint256 signerKey,
        uint256 chainId,
        address verifyingContract,
        address payer,
        address payee,
        uint64 epoch,
        uint128 cumulative,
        bytes32 response
    ) internal pure returns (IPaymentChannels.Redemption memory r) {
        r.payer = payer;
        r.payee = payee;
        r.epoch = epoch;
        r.cumulative = cumulative;
        r.response = response;
        r.challenge = response == 0 ? bytes32(0) : keccak256(abi.encodePacked(response));
        bytes32 id = keccak256(abi.encode(payer, payee));
        r.signature = _signature(signerKey, _ticketDigest(chainId, verifyingContract, id, epoch, cumulative, 0, r.challenge));
    }

    function _signature(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }
}

contract PaymentChannelsFuzzTest is TicketSigning {
    uint64 internal constant NOTICE = 1 days;
    uint256 internal constant PAYER_KEY = 0xA11CE;
    uint256 internal constant MAX = type(uint112).max;

    SottoTestToken internal token;
    PaymentChannels internal channels;
    address internal payer;
    address internal payee = address(0xB0B);

    function setUp() public {
        token = new SottoTestToken();
        channels = new PaymentChannels(token, NOTICE);
        payer = vm.addr(PAYER_KEY);
        vm.prank(payer);
        token.approve(address(channels), type(uint256).max);
    }

    function _fund(uint128 amount) internal {
        token.mint(payer, amount);
        vm.prank(payer);
        channels.fund(payee, amount);
    }

    function _valid(uint64 epoch, uint128 cumulative, bytes32 response)
        internal
        view
        returns (IPaymentChannels.Redemption memory)
    {
        return _ticket(PAYER_KEY, block.chainid, address(channels), payer, payee, epoch, cumulative, response);
    }

    function _id() internal view returns (bytes32) {
        return keccak256(abi.encode(payer, payee));
    }

    function testFuzz_HashTicketMatchesIndependentEncoding(
        bytes32 id,
        uint64 epoch,
        uint128 cumulative,
        uint64 index,
        bytes32 challenge
    ) public view {
        assertEq(
            channels.hashTicket(id, epoch, cumulative, index, challenge),
            _ticketDigest(block.chainid, address(channels), id, epoch, cumulative, index, challenge)
        );
    }

    function testFuzz_ChannelId(address a, address b) public view {
        assertEq(channels.channelId(a, b), keccak256(abi.encode(a, b)));
    }

    /// Two increasing tickets pay exactly the final cumulative; funds are conserved.
    function testFuzz_RedeemPaysTheDifference(uint128 funded, uint128 first, uint128 second, bytes32 response)
        public
    {
        funded = uint128(bound(funded, 2, MAX));
        first = uint128(bound(first, 1, funded - 1));
        second = uint128(bound(second, first + 1, funded));
        _fund(funded);
        assertEq(channels.redeem(_valid(0, first, response)), first);
        assertEq(channels.redeem(_valid(0, second, response == 0 ? bytes32(0) : ~response)), second - first);
        assertEq(token.balanceOf(payee), second);
        assertEq(token.balanceOf(address(channels)), funded - second);
        IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
        assertEq(c.settled, second);
        assertEq(c.balance, funded - second);
    }

    function testFuzz_NoDoublePayment(uint128 funded, uint128 cumulative) public {
        funded = uint128(bound(funded, 1, MAX));
        cumulative = uint128(bound(cumulative, 1, funded));
        _fund(funded);
        IPaymentChannels.Redemption memory r = _valid(0, cumulative, keccak256("r"));
        channels.redeem(r);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsStaleTicket.selector, _id(), cumulative, cumulative)
        );
        channels.redeem(r);
        // Nor inside one batch.
        IPaymentChannels.Redemption[] memory batch = new IPaymentChannels.Redemption[](2);
        batch[0] = r;
        batch[1] = r;
        uint128[] memory amounts = channels.redeemMany(batch);
        assertEq(amounts[0] + amounts[1], 0);
        assertEq(token.balanceOf(payee), cumulative);
    }

    function testFuzz_RejectsAmountsBeyondTheBalance(uint128 funded, uint128 cumulative) public {
        funded = uint128(bound(funded, 1, MAX - 1));
        cumulative = uint128(bound(cumulative, funded + 1, type(uint128).max));
        _fund(funded);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.PaymentChannelsInsufficientBalance.selector, _id(), cumulative, funded
            )
        );
        channels.redeem(_valid(0, cumulative, 0));
    }

    function testFuzz_RejectsWrongSigner(uint256 key) public {
        key = bound(key, 1, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140);
        vm.assume(key != PAYER_KEY);
        _fund(100);
        IPaymentChannels.Redemption memory r =
            _ticket(key, block.chainid, address(channels), payer, payee, 0, 10, keccak256("r"));
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsInvalidSignature.selector, _id(), vm.addr(key))
        );
        channels.redeem(r);
    }

    function testFuzz_RejectsWrongEpoch(uint64 epoch) public {
        vm.assume(epoch != 0);
        _fund(100);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsEpochMismatch.selector, _id(), epoch, uint64(0))
        );
        channels.redeem(_valid(epoch, 10, 0));
    }

    /// A ticket signed for another chain id does not verify here.
    function testFuzz_RejectsTicketSignedForAnotherChain(uint64 otherChainId) public {
        vm.assume(otherChainId != block.chainid);
        _fund(100);
        IPaymentChannels.Redemption memory r =
            _ticket(PAYER_KEY, otherChainId, address(channels), payer, payee, 0, 10, 0);
        vm.expectPartialRevert(IPaymentChannels.PaymentChannelsInvalidSignature.selector);
        channels.redeem(r);
    }

    /// A ticket signed here does not verify after a fork to another chain id (the domain follows block.chainid).
    function testFuzz_RejectsReplayOnAnotherChain(uint64 otherChainId) public {
        vm.assume(otherChainId != block.chainid && otherChainId != 0);
        _fund(100);
        IPaymentChannels.Redemption memory r = _valid(0, 10, 0);
        vm.chainId(otherChainId);
        vm.expectPartialRevert(IPaymentChannels.PaymentChannelsInvalidSignature.selector);
        channels.redeem(r);
    }

    function testFuzz_RejectsTicketOfAnotherDeployment(uint128 cumulative) public {
        cumulative = uint128(bound(cumulative, 1, 100));
        PaymentChannels other = new PaymentChannels(token, NOTICE);
        _fund(100);
        IPaymentChannels.Redemption memory r =
            _ticket(PAYER_KEY, block.chainid, address(other), payer, payee, 0, cumulative, 0);
        vm.expectPartialRevert(IPaymentChannels.PaymentChannelsInvalidSignature.selector);
        channels.redeem(r);
    }

    /// A ticket for (payer, payee) cannot be redeemed on (payer, otherPayee).
    function testFuzz_RejectsTicketOfAnotherChannel(address otherPayee) public {
        vm.assume(otherPayee != payee && otherPayee != payer && otherPayee != address(0));
        _fund(100);
        token.mint(payer, 100);
        vm.prank(payer);
        channels.fund(otherPayee, 100);
        IPaymentChannels.Redemption memory r = _valid(0, 10, 0);
        r.payee = otherPayee;
        vm.expectPartialRevert(IPaymentChannels.PaymentChannelsInvalidSignature.selector);
        channels.redeem(r);
    }

    function testFuzz_RejectsWrongResponse(bytes32 response, bytes32 wrong) public {
        vm.assume(response != 0 && response != wrong);
        _fund(100);
        IPaymentChannels.Redemption memory r = _valid(0, 10, response);
        r.response = wrong;
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentChannels.PaymentChannelsInvalidResponse.selector, _id(), r.challenge, wrong
            )
        );
        channels.redeem(r);
    }

    function testFuzz_NoRedemptionAfterFinalizeClose(uint128 funded, uint128 cumulative, uint64 wait) public {
        funded = uint128(bound(funded, 1, MAX));
        cumulative = uint128(bound(cumulative, 1, funded));
        wait = uint64(bound(wait, NOTICE, 10 * 365 days));
        _fund(funded);
        IPaymentChannels.Redemption memory r = _valid(0, cumulative, keccak256("held"));
        vm.prank(payer);
        channels.initiateClose(payee);
        vm.warp(block.timestamp + wait);
        vm.prank(payer);
        assertEq(channels.finalizeClose(payee), funded);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsEpochMismatch.selector, _id(), uint64(0), uint64(1))
        );
        channels.redeem(r);
        // Funding again does not revive the old epoch's tickets.
        _fund(funded);
        vm.expectRevert(
            abi.encodeWithSelector(IPaymentChannels.PaymentChannelsEpochMismatch.selector, _id(), uint64(0), uint64(1))
        );
        channels.redeem(r);
        assertEq(token.balanceOf(payee), 0);
    }

    function testFuzz_FinalizeCloseRespectsTheNoticePeriod(uint64 wait) public {
        wait = uint64(bound(wait, 0, 2 * NOTICE));
        _fund(100);
        vm.prank(payer);
        channels.initiateClose(payee);
        uint64 closesAt = uint64(block.timestamp) + NOTICE;
        vm.warp(block.timestamp + wait);
        vm.prank(payer);
        if (wait < NOTICE) {
            vm.expectRevert(
                abi.encodeWithSelector(IPaymentChannels.PaymentChannelsNoticePeriodNotOver.selector, _id(), closesAt)
            );
            channels.finalizeClose(payee);
        } else {
            assertEq(channels.finalizeClose(payee), 100);
        }
    }

    /// The payee can redeem during the notice period: the payer only recovers what was not redeemed.
    function testFuzz_RedeemDuringNotice(uint128 funded, uint128 cumulative, uint64 wait) public {
        funded = uint128(bound(funded, 1, MAX));
        cumulative = uint128(bound(cumulative, 1, funded));
        wait = uint64(bound(wait, 0, NOTICE - 1));
        _fund(funded);
        vm.prank(payer);
        channels.initiateClose(payee);
        vm.warp(block.timestamp + wait);
        channels.redeem(_valid(0, cumulative, 0));
        vm.warp(block.timestamp + NOTICE);
        vm.prank(payer);
        assertEq(channels.finalizeClose(payee), funded - cumulative);
        assertEq(token.balanceOf(payee) + token.balanceOf(payer), funded);
    }
}

contract PaymentChannelsReentrancyTest is TicketSigning {
    uint256 internal constant PAYER_KEY = 0xA11CE;
    ReentrantToken internal token;
    PaymentChannels internal channels;
    address internal payer;
    address internal payee = address(0xB0B);

    function setUp() public {
        token = new ReentrantToken();
        channels = new PaymentChannels(IERC20(address(token)), 1 days);
        payer = vm.addr(PAYER_KEY);
        token.mint(payer, 1000);
        vm.startPrank(payer);
        token.approve(address(channels), type(uint256).max);
        channels.fund(payee, 1000);
        vm.stopPrank();
    }

    function _redemption(uint128 cumulative) internal view returns (IPaymentChannels.Redemption memory) {
        return _ticket(PAYER_KEY, block.chainid, address(channels), payer, payee, 0, cumulative, 0);
    }

    function _assertBlocked() internal view {
        assertFalse(token.reentered());
        assertEq(token.reentryError(), abi.encodeWithSelector(ReentrancyLock.ReentrancyLockReentrantCall.selector));
    }

    function test_RedeemCannotBeReentered() public {
        IPaymentChannels.Redemption memory second = _redemption(200);
        token.arm(address(channels), abi.encodeCall(channels.redeem, (second)));
        channels.redeem(_redemption(100));
        _assertBlocked();
        assertEq(token.balanceOf(payee), 100);
    }

    function test_RedeemManyCannotBeReentered() public {
        IPaymentChannels.Redemption[] memory batch = new IPaymentChannels.Redemption[](1);
        batch[0] = _redemption(100);
        token.arm(address(channels), abi.encodeCall(channels.redeemMany, (batch)));
        batch[0] = _redemption(50);
        channels.redeemMany(batch);
        _assertBlocked();
        assertEq(token.balanceOf(payee), 50);
    }

    function test_FinalizeCloseCannotBeReentered() public {
        vm.prank(payer);
        channels.initiateClose(payee);
        vm.warp(block.timestamp + 1 days);
        token.arm(address(channels), abi.encodeCall(channels.closeIncoming, (payer)));
        vm.prank(payer);
        channels.finalizeClose(payee);
        _assertBlocked();
        assertEq(token.balanceOf(payer), 1000);
        assertEq(token.balanceOf(address(channels)), 0);
    }
}

/// @dev Drives PaymentChannels with valid and invalid actions for the invariant tests, keeping ghost books.
contract ChannelsHandler is TicketSigning {
    uint256 internal constant ACTORS = 3;
    uint64 internal constant NOTICE = 1 days;

    PaymentChannels public immutable channels;
    SottoTestToken public immutable token;
    uint256[ACTORS] internal payerKeys;
    address[ACTORS] public payers;
    address[ACTORS] public payees;

    // Ghost books.
    mapping(bytes32 id => uint256) public fundedInEpoch;
    mapping(bytes32 id => mapping(uint64 epoch => uint128)) internal lastSettled;
    mapping(address payee => uint256) public paidTo;
    mapping(address payer => uint256) public refundedTo;
    uint256 public totalFunded;
    uint256 public totalPaid;
    uint256 public totalRefunded;
    // A ticket of each channel, kept to be replayed later (after redemption, in later epochs).
    mapping(bytes32 id => IPaymentChannels.Redemption) internal held;
    mapping(bytes32 id => bool) internal hasHeld;

    // Violations observed by the handler (must stay zero).
    uint256 public settledDecreased;
    uint256 public replayPaid;
    uint256 public forgedPaid;
    uint256 public validRejected;
    uint256 public earlyFinalize;

    constructor(PaymentChannels channels_, SottoTestToken token_) {
        channels = channels_;
        token = token_;
        for (uint256 i = 0; i < ACTORS; ++i) {
            payerKeys[i] = uint256(keccak256(abi.encode("payer", i))) % 2 ** 128 + 1;
            payers[i] = vm.addr(payerKeys[i]);
            payees[i] = address(uint160(0xEE00 + i));
            vm.prank(payers[i]);
            token.approve(address(channels), type(uint256).max);
        }
    }

    function _pair(uint256 payerSeed, uint256 payeeSeed) internal view returns (uint256 p, address payer, address payee) {
        p = payerSeed % ACTORS;
        payer = payers[p];
        payee = payees[payeeSeed % ACTORS];
    }

    function _sign(uint256 p, address payee, uint64 epoch, uint128 cumulative, bytes32 response)
        internal
        view
        returns (IPaymentChannels.Redemption memory)
    {
        return _ticket(payerKeys[p], block.chainid, address(channels), payers[p], payee, epoch, cumulative, response);
    }

    function _checkSettled(address payer, address payee) internal {
        IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
        bytes32 id = keccak256(abi.encode(payer, payee));
        if (c.settled < lastSettled[id][c.epoch]) ++settledDecreased;
        lastSettled[id][c.epoch] = c.settled;
    }

    function fund(uint256 payerSeed, uint256 payeeSeed, uint256 amount) external {
        (, address payer, address payee) = _pair(payerSeed, payeeSeed);
        amount = bound(amount, 1, 1e24);
        IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
        if (c.status == IPaymentChannels.ChannelStatus.Closing) return;
        token.mint(payer, amount);
        vm.prank(payer);
        channels.fund(payee, uint128(amount));
        fundedInEpoch[keccak256(abi.encode(payer, payee))] += amount;
        totalFunded += amount;
    }

    /// Redeems a valid ticket for a random share of the balance; keeps an unredeemed one for later replays.
    function redeem(uint256 payerSeed, uint256 payeeSeed, uint256 share, bool conditional, bool viaBatch) external {
        (uint256 p, address payer, address payee) = _pair(payerSeed, payeeSeed);
        IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
        bytes32 id = keccak256(abi.encode(payer, payee));
        if (c.balance == 0) return;
        uint128 amount = uint128(bound(share, 1, c.balance));
        bytes32 response = conditional ? keccak256(abi.encode(id, c.settled, amount)) : bytes32(0);
        IPaymentChannels.Redemption memory r = _sign(p, payee, c.epoch, c.settled + amount, response);
        if (!hasHeld[id] || held[id].epoch != c.epoch) {
            // Keep a ticket of this epoch that is never redeemed directly.
            held[id] = _sign(p, payee, c.epoch, c.settled + amount, 0);
            hasHeld[id] = true;
        }
        uint256 before = token.balanceOf(payee);
        bool ok;
        if (viaBatch) {
            IPaymentChannels.Redemption[] memory batch = new IPaymentChannels.Redemption[](1);
            batch[0] = r;
            ok = channels.redeemMany(batch)[0] == amount;
        } else {
            try channels.redeem(r) returns (uint128 paid) {
                ok = paid == amount;
            } catch {}
        }
        if (!ok || token.balanceOf(payee) != before + amount) {
            ++validRejected;
            return;
        }
        paidTo[payee] += amount;
        totalPaid += amount;
        _checkSettled(payer, payee);
    }

    /// Replays the held ticket: it pays only if it is for the current epoch and above `settled`.
    function replayHeld(uint256 payerSeed, uint256 payeeSeed) external {
        (, address payer, address payee) = _pair(payerSeed, payeeSeed);
        bytes32 id = keccak256(abi.encode(payer, payee));
        if (!hasHeld[id]) return;
        IPaymentChannels.Redemption memory r = held[id];
        IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
        bool redeemable = r.epoch == c.epoch && r.cumulative > c.settled && r.cumulative - c.settled <= c.balance;
        try channels.redeem(r) returns (uint128 paid) {
            if (!redeemable) {
                ++replayPaid;
                return;
            }
            paidTo[payee] += paid;
            totalPaid += paid;
        } catch {
            if (redeemable) ++validRejected;
        }
        _checkSettled(payer, payee);
    }

    /// Tickets signed by the wrong key, for the wrong chain or contract, or with a wrong response never pay.
    function redeemForged(uint256 payerSeed, uint256 payeeSeed, uint256 kind, uint256 share) external {
        (uint256 p, address payer, address payee) = _pair(payerSeed, payeeSeed);
        IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
        uint128 cumulative = c.settled + uint128(bound(share, 1, c.balance == 0 ? 1 : c.balance));
        IPaymentChannels.Redemption memory r;
        kind %= 4;
        if (kind == 0) {
            r = _ticket(payerKeys[(p + 1) % ACTORS], block.chainid, address(channels), payer, payee, c.epoch, cumulative, 0);
        } else if (kind == 1) {
            r = _ticket(payerKeys[p], block.chainid + 1, address(channels), payer, payee, c.epoch, cumulative, 0);
        } else if (kind == 2) {
            r = _ticket(payerKeys[p], block.chainid, address(token), payer, payee, c.epoch, cumulative, 0);
        } else {
            r = _sign(p, payee, c.epoch, cumulative, keccak256("right"));
            r.response = keccak256("wrong");
        }
        IPaymentChannels.Redemption[] memory batch = new IPaymentChannels.Redemption[](1);
        batch[0] = r;
        try channels.redeem(r) {
            ++forgedPaid;
        } catch {}
        if (channels.redeemMany(batch)[0] != 0) ++forgedPaid;
        _checkSettled(payer, payee);
    }

    function initiateClose(uint256 payerSeed, uint256 payeeSeed) external {
        (, address payer, address payee) = _pair(payerSeed, payeeSeed);
        IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
        if (c.status != IPaymentChannels.ChannelStatus.Open) return;
        vm.prank(payer);
        channels.initiateClose(payee);
    }

    function finalizeClose(uint256 payerSeed, uint256 payeeSeed) external {
        (, address payer, address payee) = _pair(payerSeed, payeeSeed);
        IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
        if (c.status != IPaymentChannels.ChannelStatus.Closing) return;
        vm.prank(payer);
        try channels.finalizeClose(payee) returns (uint128 refund) {
            if (block.timestamp < c.closesAt) ++earlyFinalize;
            _closed(payer, payee, refund);
        } catch {}
    }

    function closeIncoming(uint256 payerSeed, uint256 payeeSeed) external {
        (, address payer, address payee) = _pair(payerSeed, payeeSeed);
        IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
        if (c.status == IPaymentChannels.ChannelStatus.None) return;
        vm.prank(payee);
        _closed(payer, payee, channels.closeIncoming(payer));
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 * NOTICE));
    }

    function _closed(address payer, address payee, uint128 refund) internal {
        fundedInEpoch[keccak256(abi.encode(payer, payee))] = 0;
        refundedTo[payer] += refund;
        totalRefunded += refund;
    }
}

contract PaymentChannelsInvariantTest is Test {
    PaymentChannels internal channels;
    SottoTestToken internal token;
    ChannelsHandler internal handler;

    function setUp() public {
        token = new SottoTestToken();
        channels = new PaymentChannels(token, 1 days);
        handler = new ChannelsHandler(channels, token);
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = ChannelsHandler.fund.selector;
        selectors[1] = ChannelsHandler.redeem.selector;
        selectors[2] = ChannelsHandler.replayHeld.selector;
        selectors[3] = ChannelsHandler.redeemForged.selector;
        selectors[4] = ChannelsHandler.initiateClose.selector;
        selectors[5] = ChannelsHandler.finalizeClose.selector;
        selectors[6] = ChannelsHandler.closeIncoming.selector;
        selectors[7] = ChannelsHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// The contract holds exactly the sum of channel balances: nothing stuck, nothing drawn twice.
    function invariant_TokenBalanceEqualsSumOfChannelBalances() public view {
        uint256 sum;
        for (uint256 i = 0; i < 3; ++i) {
            for (uint256 j = 0; j < 3; ++j) {
                sum += channels.getChannel(handler.payers(i), handler.payees(j)).balance;
            }
        }
        assertEq(token.balanceOf(address(channels)), sum);
        assertEq(sum, handler.totalFunded() - handler.totalPaid() - handler.totalRefunded());
    }

    /// In every channel epoch, balance + settled = funded: settled never exceeds what was funded.
    function invariant_SettledPlusBalanceEqualsFunded() public view {
        for (uint256 i = 0; i < 3; ++i) {
            for (uint256 j = 0; j < 3; ++j) {
                address payer = handler.payers(i);
                address payee = handler.payees(j);
                IPaymentChannels.Channel memory c = channels.getChannel(payer, payee);
                uint256 funded = handler.fundedInEpoch(keccak256(abi.encode(payer, payee)));
                assertEq(uint256(c.balance) + c.settled, funded);
                assertLe(c.settled, funded);
            }
        }
    }

    /// Payees received exactly what the handler saw redeemed; payers' refunds are accounted.
    function invariant_PaymentsMatchTheBooks() public view {
        for (uint256 j = 0; j < 3; ++j) {
            address payee = handler.payees(j);
            assertEq(token.balanceOf(payee), handler.paidTo(payee));
        }
        for (uint256 i = 0; i < 3; ++i) {
            address payer = handler.payers(i);
            assertEq(token.balanceOf(payer), handler.refundedTo(payer));
        }
    }

    function invariant_NoViolations() public view {
        assertEq(handler.settledDecreased(), 0, "settled decreased within an epoch");
        assertEq(handler.replayPaid(), 0, "a replayed or stale ticket paid");
        assertEq(handler.forgedPaid(), 0, "a forged ticket paid");
        assertEq(handler.validRejected(), 0, "a valid ticket was rejected");
        assertEq(handler.earlyFinalize(), 0, "finalized before the notice period");
    }
}
